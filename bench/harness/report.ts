/** Medians over rounds, ratios against the references, targets, and the markdown summary. */
import type { ScenarioName, TrialResult } from "../loadgen/trial.ts";
import type { TrialOutcome } from "./loadgen.ts";
import type { ScenarioPlan } from "./plan.ts";
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
  /** The scenario's main figure: KiB per socket (memory) or server CPU µs per op. */
  main: number;
  /** main ÷ the same figure of Node socket.io 4.8. */
  vsSocketIoNode?: number;
  /** main ÷ the same figure of the raw WebSocket echo on the same runtime. */
  vsRawSameRuntime?: number;
  /** Of ours: main ÷ the same figure of the baseline checkout on the same runtime. */
  vsBaseline?: number;
}

/** A target of the issue, checked per runtime of ours. */
export interface TargetCheck {
  target: string;
  goal: string;
  byRuntime: Partial<Record<RuntimeName, { value?: number; met?: boolean; detail?: string }>>;
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
      const kib = plan.scenario === "memory" ? pick((r) => r.kibPerConn ?? NaN) : undefined;
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

function find(cells: Cell[], scenario: ScenarioName, server: string): Cell | undefined {
  const cell = cells.find((c) => c.scenario === scenario && c.server === server);
  return cell && cell.rounds > 0 && Number.isFinite(cell.main) && cell.main > 0 ? cell : undefined;
}

/** Checks the targets for each runtime of ours. */
export function checkTargets(cells: Cell[]): TargetCheck[] {
  const runtimes: RuntimeName[] = ["deno", "bun", "node"];
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
      : cell.scenario === "memory"
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

/** The targets table in markdown. */
export function targetsTable(checks: TargetCheck[]): string {
  const rows = [
    "| target | goal | sio-gateway · Deno | sio-gateway · Bun | sio-gateway · Node |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const check of checks) {
    const cell = (runtime: RuntimeName) => {
      const entry = check.byRuntime[runtime];
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
    const main = plan.scenario === "memory" ? "KiB/socket" : `CPU µs/${plan.op}`;
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
    const main = plan.scenario === "memory" ? "KiB/socket" : `CPU µs/${plan.op}`;
    rows.push(`| ${plan.scenario} | ${main} | ${runtimes.map(cell).join(" | ")} |`);
  }
  return rows.join("\n");
}
