/** A hand-written SVG bar chart of the ratios (lower is better). */
import type { ScenarioName } from "../loadgen/trial.ts";
import { type Cell, fmt } from "./report.ts";
import { SERVERS } from "./servers.ts";

const SERIES = [
  { id: "ours-deno", color: "#2f6fb3" },
  { id: "ours-bun", color: "#d9822b" },
  { id: "ours-node", color: "#3f9b4f" },
  { id: "socketio-bun", color: "#8c8c8c" },
];

const SCENARIO_LABEL: Record<ScenarioName, string> = {
  ack: "ack-echo CPU/ack",
  fanout: "fan-out CPU/delivery",
  connect: "connect CPU/connect",
  memory: "idle memory/socket",
  polling: "long-polling CPU/ack",
  binary: "binary 64 KiB CPU/ack",
  scale: "scale memory/socket",
};

/** Targets drawn as red ticks, per panel and scenario. */
const TARGETS: Record<"node" | "raw", Partial<Record<ScenarioName, number>>> = {
  node: { ack: 0.6, fanout: 0.35, memory: 0.4, polling: 0.4 },
  raw: { ack: 1.1 },
};

const WIDTH = 860;
const LABEL_W = 190;
const BAR_H = 11;
const GROUP_GAP = 12;

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Renders both panels (÷ Node socket.io, ÷ raw WS same runtime) as one SVG document. */
export function ratioChart(cells: Cell[], subtitle: string): string {
  const parts: string[] = [];
  let y = 20;
  parts.push(
    `<text x="10" y="${y}" font-size="15" font-weight="bold">sio-gateway bench — ratios, lower is better</text>`,
  );
  y += 18;
  parts.push(`<text x="10" y="${y}" font-size="11" fill="#555">${escape(subtitle)}</text>`);
  y += 16;
  let x = 10;
  for (const series of SERIES) {
    const label = SERVERS.find((s) => s.id === series.id)!.label;
    parts.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${series.color}"/>`);
    parts.push(`<text x="${x + 14}" y="${y}" font-size="11">${escape(label)}</text>`);
    x += 24 + label.length * 6.2;
  }
  parts.push(
    `<line x1="${x}" y1="${y - 10}" x2="${x}" y2="${y + 1}" stroke="#c0392b" stroke-width="2"/>`,
  );
  parts.push(`<text x="${x + 5}" y="${y}" font-size="11">target</text>`);
  y += 14;
  y = panel(
    parts,
    cells,
    y,
    "node",
    "÷ Node socket.io 4.8 (server CPU per op; memory: KiB/socket)",
  );
  y = panel(parts, cells, y + 10, "raw", "÷ raw WebSocket echo on the same runtime");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" `,
    `viewBox="0 0 ${WIDTH} ${y + 10}" font-family="Helvetica, Arial, sans-serif">\n`,
    `<rect width="100%" height="100%" fill="white"/>\n`,
    parts.join("\n"),
    "\n</svg>\n",
  ].join("");
}

function panel(
  parts: string[],
  cells: Cell[],
  top: number,
  against: "node" | "raw",
  title: string,
): number {
  const value = (cell: Cell) => against === "node" ? cell.vsSocketIoNode : cell.vsRawSameRuntime;
  const scenarios = (Object.keys(SCENARIO_LABEL) as ScenarioName[]).filter((scenario) =>
    cells.some((cell) => cell.scenario === scenario && value(cell) !== undefined)
  );
  let y = top + 16;
  parts.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">${escape(title)}</text>`);
  y += 10;
  const values = cells.map(value).filter((v): v is number => v !== undefined && isFinite(v));
  const xMax = Math.min(4, Math.max(2, Math.ceil(Math.max(0, ...values) * 2) / 2));
  const plotW = WIDTH - LABEL_W - 60;
  const scale = (v: number) => LABEL_W + (Math.min(v, xMax) / xMax) * plotW;
  const plotTop = y;
  const bars: string[] = [];
  for (const scenario of scenarios) {
    const groupTop = y;
    let drawn = 0;
    for (const series of SERIES) {
      const cell = cells.find((c) => c.scenario === scenario && c.server === series.id);
      const v = cell ? value(cell) : undefined;
      if (v === undefined || !isFinite(v)) continue;
      const by = y + drawn * (BAR_H + 2);
      const end = scale(v);
      bars.push(
        `<rect x="${LABEL_W}" y="${by}" width="${
          (end - LABEL_W).toFixed(1)
        }" height="${BAR_H}" fill="${series.color}"/>`,
      );
      const clipped = v > xMax ? " ▸" : "";
      bars.push(
        `<text x="${(end + 4).toFixed(1)}" y="${by + BAR_H - 2}" font-size="10">${
          fmt(v)
        }×${clipped}</text>`,
      );
      drawn++;
    }
    if (drawn === 0) continue;
    const groupH = drawn * (BAR_H + 2);
    bars.push(
      `<text x="${LABEL_W - 8}" y="${groupTop + groupH / 2 + 4}" font-size="11" text-anchor="end">${
        escape(SCENARIO_LABEL[scenario])
      }</text>`,
    );
    const target = TARGETS[against][scenario];
    if (target !== undefined) {
      const tx = scale(target).toFixed(1);
      bars.push(
        `<line x1="${tx}" y1="${groupTop - 3}" x2="${tx}" y2="${
          groupTop + groupH + 1
        }" stroke="#c0392b" stroke-width="2"/>`,
      );
    }
    y += groupH + GROUP_GAP;
  }
  for (let tick = 0; tick <= xMax + 1e-9; tick += 0.5) {
    const tx = scale(tick).toFixed(1);
    const one = Math.abs(tick - 1) < 1e-9;
    parts.push(
      `<line x1="${tx}" y1="${plotTop - 4}" x2="${tx}" y2="${y - GROUP_GAP + 4}" stroke="${
        one ? "#222" : "#ddd"
      }" stroke-width="1"${one ? ' stroke-dasharray="4 3"' : ""}/>`,
    );
    parts.push(
      `<text x="${tx}" y="${y + 6}" font-size="10" text-anchor="middle">${tick}×</text>`,
    );
  }
  parts.push(...bars);
  return y + 8;
}
