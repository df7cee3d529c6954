/** Medians over rounds, ratios against the references, and the markdown tables. */
import type { ScaleFigures, ScenarioName, TrialResult } from "../loadgen/trial.ts";
import type { TrialOutcome } from "./loadgen.ts";
import type { ScaleSettings, ScenarioPlan } from "./plan.ts";
import { type RuntimeName, SERVERS, type ServerSpec } from "./servers.ts";

/** One trial as recorded. */
export interface TrialRecord {
  round: number;
  scenario: ScenarioName;
  server: string;
  outcome: TrialOutcome;
}

/** Medians of one (scenario, server) over the rounds that succeeded. */
export interface Cell {
  scenario: ScenarioName;
  server: string;
  rounds: number;
  failures: string[];
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuPerOpUs: number;
  serverCpuPct: number;
  loadgenCpuPct: number;
  kibPerConn?: number;
  errors: number;
  /** Scale scenario: medians of its figures over the rounds (worst round for the counts). */
  scale?: ScaleFigures;
  /** The scenario's main figure: KiB per socket (memory, scale) or server CPU µs per op. */
  main: number;
  /** main ÷ the same figure of Node socket.io 4.8. */
  vsSocketIoNode?: number;
  /** main ÷ the same figure of the raw WebSocket echo on the same runtime. */
  vsRawSameRuntime?: number;
  /** Of ours: main ÷ the same figure of the baseline checkout on the same runtime. */
  vsBaseline?: number;
}

const median = (values: number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const isResult = (outcome: TrialOutcome): outcome is TrialResult =>
  !("error" in outcome) && outcome.ops > 0;

/** Aggregates the trials into cells (scenario-major, servers in table order). */
export function aggregate(
  records: TrialRecord[],
  plans: ScenarioPlan[],
  servers: ServerSpec[] = SERVERS,
): Cell[] {
  const cells: Cell[] = [];
  for (const plan of plans) {
    for (const spec of servers) {
      const mine = records.filter((r) => r.scenario === plan.scenario && r.server === spec.id);
      if (mine.length === 0) continue;
      const ok = mine.map((r) => r.outcome).filter(isResult);
      const failures = mine.filter((r) => !isResult(r.outcome)).map((r) =>
        "error" in r.outcome ? r.outcome.error : "no operation completed"
      );
      const pick = (f: (r: TrialResult) => number) => median(ok.map(f));
      const perSocket = plan.scenario === "memory" || plan.scenario === "scale";
      const kib = perSocket ? pick((r) => r.kibPerConn ?? NaN) : undefined;
      const cpuPerOpUs = pick((r) => r.cpuPerOpUs);
      cells.push({
        scenario: plan.scenario,
        server: spec.id,
        rounds: ok.length,
        failures,
        opsPerSec: pick((r) => r.opsPerSec),
        p50Ms: pick((r) => r.p50Ms),
        p99Ms: pick((r) => r.p99Ms),
        cpuPerOpUs,
        serverCpuPct: pick((r) => r.serverCpuPct),
        loadgenCpuPct: pick((r) => r.loadgenCpuPct),
        kibPerConn: kib,
        errors: ok.reduce((sum, r) => sum + r.errors, 0),
        main: kib ?? cpuPerOpUs,
        scale: scaleFigures(ok.map((r) => r.scale).filter((f) => f !== undefined)),
      });
    }
  }
  for (const cell of cells) {
    const spec = servers.find((s) => s.id === cell.server)!;
    const ref = find(cells, cell.scenario, "socketio-node");
    if (ref && cell.server !== ref.server) cell.vsSocketIoNode = cell.main / ref.main;
    if (spec.kind !== "raw") {
      const raw = find(cells, cell.scenario, `raw-${spec.runtime}`);
      if (raw) cell.vsRawSameRuntime = cell.main / raw.main;
    }
    const base = find(cells, cell.scenario, `base-${spec.runtime}`);
    if (spec.kind === "ours" && base && cell.rounds > 0) cell.vsBaseline = cell.main / base.main;
  }
  return cells;
}

/** Counts that must stay 0: the worst round's; everything else: the median. */
const WORST_OF: (keyof ScaleFigures)[] = ["failedOpens", "lost", "stale"];

function scaleFigures(rounds: ScaleFigures[]): ScaleFigures | undefined {
  if (rounds.length === 0) return undefined;
  const keys = Object.keys(rounds[0]) as (keyof ScaleFigures)[];
  return Object.fromEntries(keys.map((key) => {
    const values = rounds.map((figures) => figures[key]);
    return [key, WORST_OF.includes(key) ? Math.max(...values) : median(values)];
  })) as unknown as ScaleFigures;
}

/** The cell of a server in a scenario, when it has a usable main figure. */
export function find(cells: Cell[], scenario: ScenarioName, server: string): Cell | undefined {
  const cell = cells.find((c) => c.scenario === scenario && c.server === server);
  return cell && cell.rounds > 0 && Number.isFinite(cell.main) && cell.main > 0 ? cell : undefined;
}

/** Formats a number with a few significant digits. */
export function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(digits)).toString();
}

const ratio = (value: number | undefined) => value === undefined ? "–" : `${fmt(value, 3)}×`;

/** The results table (one row per scenario and server) in markdown. */
export function resultsTable(
  cells: Cell[],
  plans: ScenarioPlan[],
  servers: ServerSpec[] = SERVERS,
): string {
  const rows = [
    "| scenario | server | ops/s | p50 ms | p99 ms | main figure | × socket.io Node | × raw WS same runtime | server CPU | loadgen CPU | rounds | errors |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const cell of cells) {
    const plan = plans.find((p) => p.scenario === cell.scenario)!;
    const main = cell.rounds === 0
      ? "failed"
      : cell.scenario === "memory" || cell.scenario === "scale"
      ? `${fmt(cell.kibPerConn)} KiB/socket`
      : `${fmt(cell.cpuPerOpUs)} µs/${plan.op}`;
    rows.push(
      `| ${cell.scenario} | ${servers.find((s) => s.id === cell.server)!.label} | ${
        fmt(cell.opsPerSec)
      } | ${fmt(cell.p50Ms)} | ${fmt(cell.p99Ms)} | ${main} | ${ratio(cell.vsSocketIoNode)} | ${
        ratio(cell.vsRawSameRuntime)
      } | ${fmt(cell.serverCpuPct)}% | ${fmt(cell.loadgenCpuPct)}% | ${cell.rounds} | ${
        cell.errors + cell.failures.length
      } |`,
    );
  }
  return rows.join("\n");
}

/** This checkout ÷ the baseline checkout, per scenario and runtime, in markdown. */
export function baselineTable(cells: Cell[], plans: ScenarioPlan[]): string {
  const runtimes: RuntimeName[] = ["deno", "bun", "node"];
  const rows = [
    "| scenario | main figure | Deno | Bun | Node |",
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const plan of plans) {
    const cell = (runtime: RuntimeName) =>
      ratio(
        cells.find((c) => c.scenario === plan.scenario && c.server === `ours-${runtime}`)
          ?.vsBaseline,
      );
    const main = plan.op === "socket" ? "KiB/socket" : `CPU µs/${plan.op}`;
    rows.push(`| ${plan.scenario} | ${main} | ${runtimes.map(cell).join(" | ")} |`);
  }
  return rows.join("\n");
}

/**
 * Metrics on ÷ off: the main figure of `ours-<runtime>-metrics` (the fixture with METRICS=on)
 * ÷ that of `ours-<runtime>`, per scenario and runtime, in markdown.
 */
export function metricsTable(cells: Cell[], plans: ScenarioPlan[]): string {
  const runtimes: RuntimeName[] = ["deno", "bun", "node"];
  const rows = [
    "| scenario | main figure | Deno | Bun | Node |",
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const plan of plans) {
    const cell = (runtime: RuntimeName) => {
      const on = find(cells, plan.scenario, `ours-${runtime}-metrics`);
      const off = find(cells, plan.scenario, `ours-${runtime}`);
      return ratio(on && off ? on.main / off.main : undefined);
    };
    const main = plan.op === "socket" ? "KiB/socket" : `CPU µs/${plan.op}`;
    rows.push(`| ${plan.scenario} | ${main} | ${runtimes.map(cell).join(" | ")} |`);
  }
  return rows.join("\n");
}

/** The summary's section on the scale scenario: how it measures, and its table. */
export function scaleSection(
  cells: Cell[],
  settings: ScaleSettings,
  servers: ServerSpec[],
): string {
  return [
    "## Scale",
    "",
    `Each server on a fresh process with pingInterval ${settings.pingIntervalMs} ms and ` +
    `pingTimeout ${settings.pingTimeoutMs} ms. **KiB/socket**: RSS growth ÷ sockets held, read ` +
    "one ping interval after the last one opened; **CPU / heartbeat round**: the server's CPU " +
    "over k ping intervals ÷ k; **lost**: sockets the server closed (a ping timeout, or " +
    "anything else), must be 0; **unpinged**: held sockets without a ping for 2 intervals at " +
    "the window's end; **broadcast-all**: one `broadcast-all` from an extra socket, time until " +
    "the last (and the median) client has it, on the machine's monotonic clock.",
    "",
    scaleTable(cells, servers),
  ].join("\n");
}

/** The scale scenario's figures, one row per server, in markdown. */
export function scaleTable(cells: Cell[], servers: ServerSpec[] = SERVERS): string {
  const rows = [
    "| server | sockets held / N | open s | KiB/socket | CPU ms / heartbeat round | CPU µs / socket / round | pings / socket (k) | lost | unpinged | broadcast-all: last client ms | p50 ms | delivered | loadgen CPU |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const cell of cells) {
    const s = cell.scale;
    if (cell.scenario !== "scale") continue;
    const label = servers.find((spec) => spec.id === cell.server)!.label;
    if (!s) {
      rows.push(`| ${label} | failed: ${cell.failures[0] ?? "no result"} |${" – |".repeat(11)}`);
      continue;
    }
    rows.push(
      `| ${label} | ${fmt(s.opened)} / ${fmt(s.capped)} | ${fmt(s.openMs / 1000)} | ${
        fmt(s.kibPerSocket)
      } | ${fmt(s.cpuMsPerRound)} | ${fmt(cell.cpuPerOpUs)} | ${
        fmt(s.pingsPerSocket)
      } (${s.heartbeatRounds}) | ${s.lost} | ${s.stale} | ${fmt(s.broadcastAllMs)} | ${
        fmt(s.broadcastP50Ms)
      } | ${fmt(s.delivered)} / ${fmt(s.expected)} | ${fmt(cell.loadgenCpuPct)}% |`,
    );
  }
  return rows.join("\n");
}
