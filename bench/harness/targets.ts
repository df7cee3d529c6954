/**
 * The issues' targets, checked on the aggregated cells: round one's (ratios to Node socket.io
 * and to the raw echo) and issue 16's (per runtime: Bun against socket.io on bun-engine, Deno
 * against the raw Deno echo and Node socket.io, Node against Node socket.io; scale: every
 * socket held with no ping timeout, memory per socket at most the best socket.io peer's).
 */
import type { ScenarioName } from "../loadgen/trial.ts";
import { type Cell, find, fmt } from "./report.ts";
import type { RuntimeName } from "./servers.ts";

const RUNTIMES: RuntimeName[] = ["deno", "bun", "node"];

/** A target of the issue, checked per runtime of ours. */
export interface TargetCheck {
  target: string;
  goal: string;
  byRuntime: Partial<Record<RuntimeName, TargetResult>>;
}

/** One runtime's figure for a target: a ratio (`value`), or a `text` when it is not one. */
export interface TargetResult {
  value?: number;
  met?: boolean;
  detail?: string;
  text?: string;
}

/** Checks the round-one targets for each runtime of ours. */
export function checkTargets(cells: Cell[]): TargetCheck[] {
  const runtimes = RUNTIMES;
  const ratioTarget = (
    target: string,
    goal: string,
    scenario: ScenarioName,
    ratio: (ours: Cell, ref: Cell) => number,
    limit: (value: number) => boolean,
    refId: (runtime: RuntimeName) => string = () => "socketio-node",
  ): TargetCheck => {
    const check: TargetCheck = { target, goal, byRuntime: {} };
    for (const runtime of runtimes) {
      const ours = find(cells, scenario, `ours-${runtime}`);
      const ref = find(cells, scenario, refId(runtime));
      if (!ours || !ref) continue;
      const value = ratio(ours, ref);
      check.byRuntime[runtime] = { value, met: limit(value) };
    }
    return check;
  };
  const cpu = (ours: Cell, ref: Cell) => ours.cpuPerOpUs / ref.cpuPerOpUs;
  const atMost = (limit: number) => (value: number) => value <= limit;
  const checks = [
    ratioTarget("server CPU per ack vs Node socket.io", "≤ 0.60×", "ack", cpu, atMost(0.6)),
    ratioTarget(
      "server CPU per ack vs raw WS, same runtime",
      "≤ 1.10×",
      "ack",
      cpu,
      atMost(1.1),
      (runtime) => `raw-${runtime}`,
    ),
    ratioTarget(
      "fan-out CPU per delivery vs Node socket.io",
      "≤ 0.35×",
      "fanout",
      cpu,
      atMost(0.35),
    ),
    ratioTarget(
      "idle memory per connection vs Node socket.io",
      "≤ 0.40×",
      "memory",
      (ours, ref) => (ours.kibPerConn ?? NaN) / (ref.kibPerConn ?? NaN),
      atMost(0.4),
    ),
    ratioTarget(
      "connect rate vs Node socket.io",
      "≥ 2.00×",
      "connect",
      (ours, ref) => ours.opsPerSec / ref.opsPerSec,
      (value) => value >= 2,
    ),
    ratioTarget(
      "long-polling CPU per ack vs Node socket.io",
      "≤ 0.40×",
      "polling",
      cpu,
      atMost(0.4),
    ),
  ];
  const p99: TargetCheck = {
    target: "p99 vs Node socket.io (worst scenario)",
    goal: "≤ 1.00×",
    byRuntime: {},
  };
  for (const runtime of runtimes) {
    let worst: { value: number; scenario: ScenarioName } | undefined;
    for (const scenario of ["ack", "fanout", "connect", "polling", "binary"] as ScenarioName[]) {
      const ours = find(cells, scenario, `ours-${runtime}`);
      const ref = find(cells, scenario, "socketio-node");
      if (!ours || !ref || !(ref.p99Ms > 0)) continue;
      const value = ours.p99Ms / ref.p99Ms;
      if (!worst || value > worst.value) worst = { value, scenario };
    }
    if (worst) {
      p99.byRuntime[runtime] = {
        value: worst.value,
        met: worst.value <= 1,
        detail: worst.scenario,
      };
    }
  }
  checks.push(p99);
  return checks;
}

/** A per-runtime reference and limit for one scenario's main figure (issue 16). */
interface RuntimeGoal {
  ref: string;
  refLabel: string;
  limit: number;
}

const SOCKETIO_NODE = { ref: "socketio-node", refLabel: "socket.io Node" };
const SOCKETIO_BUN = { ref: "socketio-bun", refLabel: "socket.io bun-engine" };

/** Issue 16's ratio goals: scenario → runtime → reference and limit of main ÷ reference. */
const ISSUE_16: {
  scenario: ScenarioName;
  figure: string;
  goals: Partial<Record<RuntimeName, RuntimeGoal>>;
}[] = [
  {
    scenario: "ack",
    figure: "CPU per ack",
    goals: {
      deno: { ref: "raw-deno", refLabel: "raw Deno echo", limit: 1.25 },
      bun: { ...SOCKETIO_BUN, limit: 0.8 },
      node: { ...SOCKETIO_NODE, limit: 1 },
    },
  },
  {
    scenario: "fanout",
    figure: "CPU per delivery",
    goals: {
      deno: { ...SOCKETIO_NODE, limit: 0.6 },
      bun: { ...SOCKETIO_BUN, limit: 0.8 },
      node: { ...SOCKETIO_NODE, limit: 1 },
    },
  },
  {
    scenario: "connect",
    figure: "CPU per connect",
    goals: { bun: { ...SOCKETIO_BUN, limit: 0.8 }, node: { ...SOCKETIO_NODE, limit: 1 } },
  },
  {
    scenario: "memory",
    figure: "idle KiB per socket",
    goals: {
      deno: { ...SOCKETIO_NODE, limit: 1 },
      bun: { ...SOCKETIO_BUN, limit: 0.8 },
      node: { ...SOCKETIO_NODE, limit: 1 },
    },
  },
  {
    scenario: "polling",
    figure: "long-polling CPU per ack",
    goals: {
      deno: { ...SOCKETIO_NODE, limit: 0.6 },
      bun: { ...SOCKETIO_BUN, limit: 0.8 },
      node: { ...SOCKETIO_NODE, limit: 1 },
    },
  },
  {
    scenario: "binary",
    figure: "CPU per 64 KiB binary ack",
    goals: { bun: { ...SOCKETIO_BUN, limit: 0.8 }, node: { ...SOCKETIO_NODE, limit: 1 } },
  },
];

const runtimeLabel: Record<RuntimeName, string> = { deno: "Deno", bun: "Bun", node: "Node" };

/** Checks issue 16's targets for each runtime of ours. */
export function checkIssue16Targets(cells: Cell[]): TargetCheck[] {
  const checks: TargetCheck[] = ISSUE_16.map(({ scenario, figure, goals }) => {
    const goal = RUNTIMES.filter((runtime) => goals[runtime]).map((runtime) =>
      `${runtimeLabel[runtime]} ≤ ${goals[runtime]!.limit.toFixed(2)}× ${goals[runtime]!.refLabel}`
    ).join("; ");
    const check: TargetCheck = { target: `${scenario}: ${figure}`, goal, byRuntime: {} };
    for (const runtime of RUNTIMES) {
      const target = goals[runtime];
      const ours = find(cells, scenario, `ours-${runtime}`);
      const ref = target && find(cells, scenario, target.ref);
      if (!target || !ours || !ref) continue;
      const value = ours.main / ref.main;
      check.byRuntime[runtime] = { value, met: value <= target.limit };
    }
    return check;
  });

  const held: TargetCheck = {
    target: "scale: sockets held",
    goal: "every socket opened and held, 0 ping timeouts (disconnects), none left unpinged",
    byRuntime: {},
  };
  const memory: TargetCheck = {
    target: "scale: KiB per socket",
    goal: "≤ 1.00× the best socket.io peer (Node or bun-engine)",
    byRuntime: {},
  };
  const peers = ["socketio-node", "socketio-bun"]
    .map((id) => find(cells, "scale", id))
    .filter((cell): cell is Cell => cell !== undefined);
  const best = peers.sort((a, b) => a.main - b.main)[0];
  const bestLabel = best?.server === "socketio-bun" ? "bun-engine" : "Node";
  for (const runtime of RUNTIMES) {
    const ours = cells.find((c) => c.scenario === "scale" && c.server === `ours-${runtime}`);
    const figures = ours?.scale;
    if (!figures) continue;
    held.byRuntime[runtime] = {
      text: `${fmt(figures.opened)}/${fmt(figures.capped)} held, ${figures.lost} lost, ` +
        `${figures.stale} unpinged`,
      met: figures.failedOpens === 0 && figures.opened === figures.capped &&
        figures.lost === 0 && figures.stale === 0,
    };
    if (best && ours.rounds > 0 && ours.main > 0) {
      const value = ours.main / best.main;
      memory.byRuntime[runtime] = { value, met: value <= 1, detail: `vs ${bestLabel}` };
    }
  }
  checks.push(held, memory);
  return checks;
}

/** The targets table in markdown. */
export function targetsTable(checks: TargetCheck[]): string {
  const rows = [
    "| target | goal | sio-gateway · Deno | sio-gateway · Bun | sio-gateway · Node |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const check of checks) {
    const cell = (runtime: RuntimeName) => {
      const entry = check.byRuntime[runtime];
      if (entry?.text !== undefined) return `${entry.text} ${entry.met ? "met" : "**missed**"}`;
      if (!entry || entry.value === undefined || !Number.isFinite(entry.value)) return "–";
      const detail = entry.detail ? ` (${entry.detail})` : "";
      return `${fmt(entry.value)}×${detail} ${entry.met ? "met" : "**missed**"}`;
    };
    rows.push(
      `| ${check.target} | ${check.goal} | ${cell("deno")} | ${cell("bun")} | ${cell("node")} |`,
    );
  }
  return rows.join("\n");
}
