/**
 * The benchmark suite: every scenario against every server, interleaved, over several rounds;
 * prints a markdown table of medians and ratios and writes bench/results/latest.{json,md} and
 * bench/results/ratios.svg. The main figure is the server's CPU time per operation (utime +
 * stime of /proc/<pid>/stat around the measured window).
 *
 *   deno task bench                      # 3 rounds, every scenario and server (~15 min)
 *   deno task bench:smoke                # 1 short round, few clients (CI), results/logs/
 *   deno run -A bench/harness/run.ts --rounds 1 --scenarios ack,fanout --servers ours-deno,socketio-node
 *   deno run -A bench/harness/run.ts --baseline /tmp/base   # also base-{deno,bun,node} from there
 *   deno run -A bench/harness/run.ts --metrics --scenarios ack,fanout   # also ours-*-metrics
 *   deno run -A bench/harness/run.ts --scenarios scale --rounds 1   # opt-in: N idle sockets
 *
 * Flags: --smoke, --rounds N, --scenarios a,b, --servers a,b, --loadgen bun|deno,
 * --timeout SECONDS (hard limit of the whole run), --out DIR, --baseline DIR (another checkout
 * of this repository; or SIO_BENCH_BASELINE): adds its fixture as base-* servers and a
 * "this checkout vs baseline" table; --metrics (or SIO_BENCH_METRICS=1): adds the fixture
 * with METRICS=on as ours-{deno,bun,node}-metrics and a "metrics on ÷ off" table;
 * --scale-sockets N (or SIO_BENCH_SCALE_SOCKETS): the sockets the scale scenario asks for.
 * Every process it starts is killed by PID on the way out, whatever the way out is.
 */
import { join } from "node:path";
import type { TrialConfig } from "../loadgen/trial.ts";
import { ratioChart } from "./chart.ts";
import { runScale, scaleProgress } from "./scale.ts";
import { killAll, liveCount } from "./children.ts";
import { type LoadgenRuntime, runTrials, type TrialOutcome } from "./loadgen.ts";
import { describe, fullPlan, type ScenarioPlan, smokePlan } from "./plan.ts";
import {
  aggregate,
  baselineTable,
  fmt,
  metricsTable,
  resultsTable,
  scaleSection,
  type TrialRecord,
} from "./report.ts";
import { checkIssue16Targets, checkTargets, targetsTable } from "./targets.ts";
import {
  prepareBaseline,
  type RunningServer,
  serverList,
  type ServerSpec,
  serves,
  startServer,
} from "./servers.ts";
import { depVersion, ensureDeps, findTools, output, ROOT } from "./tools.ts";

interface Options {
  smoke: boolean;
  rounds: number;
  scenarios?: string[];
  servers?: string[];
  loadgen?: LoadgenRuntime;
  timeoutS: number;
  out: string;
  baseline?: string;
  metrics: boolean;
  scaleSockets?: number;
}

function parseOptions(args: string[]): Options {
  const value = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const smoke = args.includes("--smoke");
  const list = (name: string) => value(name)?.split(",").map((s) => s.trim()).filter(Boolean);
  const loadgen = value("loadgen");
  if (loadgen && loadgen !== "bun" && loadgen !== "deno") {
    throw new Error(`--loadgen must be bun or deno, not ${loadgen}`);
  }
  return {
    smoke,
    rounds: Number(value("rounds") ?? (smoke ? 1 : 3)),
    scenarios: list("scenarios"),
    servers: list("servers"),
    loadgen: loadgen as LoadgenRuntime | undefined,
    timeoutS: Number(value("timeout") ?? (smoke ? 120 : 3600)),
    out: value("out") ?? join(ROOT, smoke ? "bench/results/logs" : "bench/results"),
    baseline: value("baseline") || Deno.env.get("SIO_BENCH_BASELINE") || undefined,
    metrics: args.includes("--metrics") || Deno.env.get("SIO_BENCH_METRICS") === "1",
    scaleSockets: Number(value("scale-sockets") ?? Deno.env.get("SIO_BENCH_SCALE_SOCKETS")) ||
      undefined,
  };
}

const started = performance.now();
const log = (line: string) =>
  console.error(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}`);

async function exitAfterCleanup(code: number): Promise<never> {
  await killAll();
  Deno.exit(code);
}

async function main(): Promise<number> {
  const options = parseOptions(Deno.args);
  const hardStop = setTimeout(() => {
    log(`bench: hard timeout of ${options.timeoutS} s reached; killing every child`);
    exitAfterCleanup(2);
  }, options.timeoutS * 1000);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      log(`bench: ${signal}; killing every child`);
      exitAfterCleanup(130);
    });
  }

  const tools = await findTools();
  const deps = await ensureDeps(tools, log);
  const notes: string[] = [];
  if (deps.note) notes.push(deps.note);
  const loadgen: LoadgenRuntime = options.loadgen ?? (tools.bun ? "bun" : "deno");
  const plans = (options.smoke ? smokePlan() : fullPlan()).filter((plan) =>
    options.scenarios ? options.scenarios.includes(plan.scenario) : !plan.optIn
  );
  const scale = plans.find((plan) => plan.scale);
  if (scale && options.scaleSockets) scale.scale!.sockets = scale.sockets = options.scaleSockets;
  if (scale && !tools.node) {
    notes.push("scale skipped: its load generators run on Node, and node was not found");
    plans.splice(plans.indexOf(scale), 1);
  }
  let baseline: { dir: string; commit: string } | undefined;
  if (options.baseline) {
    const prepared = await prepareBaseline(options.baseline, tools, log);
    if (prepared.note) notes.push(prepared.note);
    baseline = { dir: prepared.dir, commit: await gitCommit(prepared.dir) };
  }
  const servers = serverList(baseline, options.metrics);
  const unknown = options.servers?.filter((id) => !servers.some((spec) => spec.id === id));
  if (unknown?.length) {
    throw new Error(
      `unknown server(s) ${unknown.join(", ")} (base-* need --baseline DIR, *-metrics --metrics)`,
    );
  }
  const wanted = servers.filter((spec) => !options.servers || options.servers.includes(spec.id));
  const available: ServerSpec[] = [];
  for (const spec of wanted) {
    const command = spec.command(tools, deps);
    if (typeof command === "string") notes.push(`${spec.id} skipped: ${command}`);
    else available.push(spec);
  }
  log(
    `bench: ${options.smoke ? "smoke" : "full"} run, ${options.rounds} round(s), ${plans.length} ` +
      `scenario(s), servers ${available.map((s) => s.id).join(", ")}; load generator on ${loadgen}`,
  );
  const loadBefore = Deno.readTextFileSync("/proc/loadavg").trim();

  const records: TrialRecord[] = [];
  const fatal: string[] = [];
  const fail = (spec: ServerSpec, message: string) => {
    const line = `${spec.id}: ${message}`;
    if (spec.optional) notes.push(`${line} (optional server)`);
    else fatal.push(line);
  };

  for (let round = 1; round <= options.rounds; round++) {
    const shift = (round - 1) % available.length;
    const order = [...available.slice(shift), ...available.slice(0, shift)];
    const running = new Map<string, RunningServer>();
    const start = async (specs: ServerSpec[]) => {
      const started = new Map<string, RunningServer>();
      await Promise.all(specs.map(async (spec) => {
        try {
          started.set(spec.id, await startServer(spec, tools, deps));
        } catch (error) {
          fail(spec, `round ${round}: ${error instanceof Error ? error.message : error}`);
        }
      }));
      return started;
    };
    for (const [id, server] of await start(order)) running.set(id, server);

    for (const plan of plans) {
      // A server that died in an earlier scenario gets a new process.
      const dead = order.filter((spec) => running.has(spec.id) && !running.get(spec.id)!.alive());
      for (const spec of dead) {
        fail(spec, `round ${round}: exited before ${plan.scenario}: ${running.get(spec.id)!.tail}`);
        running.delete(spec.id);
      }
      for (const [id, server] of await start(dead)) running.set(id, server);

      if (plan.scale) {
        // A fresh process per server (scale.ts), one at a time (smoke: all at once, figures unread).
        const scaleOne = async (spec: ServerSpec) => {
          const { outcome, notes: more } = await runScale(spec, plan, tools, deps, log);
          for (const note of more) if (!notes.includes(note)) notes.push(note);
          records.push({ round, scenario: plan.scenario, server: spec.id, outcome });
          log(progressLine(round, plan, spec, outcome));
          if ("error" in outcome) fail(spec, `round ${round} scale: ${outcome.error}`);
          else if (outcome.ops === 0) fail(spec, `round ${round} scale: no socket held`);
        };
        const specs = order.filter((spec) => serves(spec, plan.scenario));
        if (options.smoke) await Promise.all(specs.map(scaleOne));
        else for (const spec of specs) await scaleOne(spec);
        continue;
      }
      const specs = order.filter((spec) => serves(spec, plan.scenario) && running.has(spec.id));
      // Idle memory is measured on fresh processes, so earlier trials' heaps do not hide it
      // (the smoke run only checks that the scenario works, on the running servers).
      const fresh = plan.scenario === "memory" && !options.smoke ? await start(specs) : undefined;
      const targets = specs
        .map((spec) => ({ spec, server: (fresh ?? running).get(spec.id) }))
        .filter((t): t is { spec: ServerSpec; server: RunningServer } => t.server !== undefined);
      const trials: TrialConfig[] = targets.map(({ spec, server }) => ({
        ...plan,
        protocol: spec.protocol,
        port: server.port,
        serverPid: server.pid,
        clockTicks: tools.clockTicks,
      }));
      await runTrials(tools, loadgen, trials, (index, outcome) => {
        const spec = targets[index].spec;
        records.push({ round, scenario: plan.scenario, server: spec.id, outcome });
        log(progressLine(round, plan, spec, outcome));
        if ("error" in outcome) fail(spec, `round ${round} ${plan.scenario}: ${outcome.error}`);
        else if (outcome.ops === 0) fail(spec, `round ${round} ${plan.scenario}: no operation`);
      });
      if (fresh) await Promise.all([...fresh.values()].map((server) => server.stop()));
    }
    await Promise.all([...running.values()].map((server) => server.stop()));
  }
  clearTimeout(hardStop);

  const cells = aggregate(records, plans, servers);
  const targets = checkTargets(cells);
  const targetsIssue16 = checkIssue16Targets(cells);
  const meta = {
    date: new Date().toISOString(),
    kind: options.smoke ? "smoke" : "full",
    rounds: options.rounds,
    commit: await gitCommit(ROOT),
    ...(baseline ? { baseline } : {}),
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    loadavgBefore: loadBefore,
    loadavgAfter: Deno.readTextFileSync("/proc/loadavg").trim(),
    loadgen,
    clockTicks: tools.clockTicks,
    versions: {
      ...tools.versions,
      "socket.io": depVersion("socket.io"),
      ws: depVersion("ws"),
      "@socket.io/bun-engine": depVersion("@socket.io/bun-engine"),
    } as Record<string, string>,
  };
  const header = [
    `# sio-gateway bench (${meta.kind}, ${meta.rounds} round${meta.rounds > 1 ? "s" : ""})`,
    "",
    `${meta.date} · commit ${meta.commit} · ${meta.cpu} × ${meta.cores} · load average ` +
    `${meta.loadavgBefore.split(" ").slice(0, 3).join(" ")} → ` +
    `${meta.loadavgAfter.split(" ").slice(0, 3).join(" ")}`,
    "",
    `Deno ${meta.versions.deno} · Bun ${meta.versions.bun ?? "–"} · Node ${
      meta.versions.node ?? "–"
    } · socket.io ${meta.versions["socket.io"]} · @socket.io/bun-engine ${
      meta.versions["@socket.io/bun-engine"]
    } · ws ${meta.versions.ws} · load generator on ${loadgen}`,
  ].join("\n");
  const explain = [
    "Medians over the rounds. **main figure**: the server's CPU time (user + system, every",
    "thread, from /proc/<pid>/stat) per operation in the measured window; for idle memory, the",
    "RSS growth per open socket of a fresh server process. **× socket.io Node** and **× raw WS**",
    "divide the main figure by that of Node socket.io 4.8 and of the raw WebSocket echo on the",
    "same runtime (lower is better). ops/s and latencies come from a closed loop and depend on",
    "the load generator sharing the machine's cores; server CPU and loadgen CPU are in % of one",
    "core.",
  ].join("\n");
  const markdown = [
    header,
    "",
    "## Results",
    "",
    explain,
    "",
    plans.map((plan) => `- **${plan.scenario}**: ${describe(plan)}`).join("\n"),
    "",
    resultsTable(cells, plans, servers),
    "",
    ...(baseline
      ? [
        "## This checkout vs baseline",
        "",
        `This checkout (${meta.commit}) ÷ the baseline ${baseline.dir} (${baseline.commit}): the`,
        "main figure of ours ÷ that of the same fixture from the baseline checkout, same runtime,",
        "same run (under 1.00× = this checkout is cheaper).",
        "",
        baselineTable(cells, plans),
        "",
      ]
      : []),
    ...(options.metrics
      ? [
        "## Metrics on ÷ off",
        "",
        "The main figure of the fixture with `metrics: true` (METRICS=on) ÷ that of the same",
        "fixture without, same runtime, same run (1.00× = metrics cost nothing measurable).",
        "",
        metricsTable(cells, plans),
        "",
      ]
      : []),
    ...(scale?.scale && plans.includes(scale)
      ? [scaleSection(cells, scale.scale, servers), ""]
      : []),
    "## Targets",
    "",
    "Round one:",
    "",
    targetsTable(targets),
    "",
    "Issue 16 (main figure of ours ÷ that of the reference, same run):",
    "",
    targetsTable(targetsIssue16),
    "",
    ...(notes.length || fatal.length
      ? ["## Notes", "", ...[...fatal, ...notes].map((note) => `- ${note}`), ""]
      : []),
    "![ratios](ratios.svg)",
    "",
  ].join("\n");

  Deno.mkdirSync(options.out, { recursive: true });
  const base = options.smoke ? "smoke" : "latest";
  const mdFile = join(options.out, `${base}.md`);
  const jsonFile = join(options.out, `${base}.json`);
  const everything = {
    meta,
    plans,
    cells,
    targets,
    targetsIssue16,
    notes,
    failures: fatal,
    trials: records,
  };
  const svgFile = join(options.out, options.smoke ? "smoke.svg" : "ratios.svg");
  Deno.writeTextFileSync(mdFile, markdown);
  Deno.writeTextFileSync(jsonFile, JSON.stringify(everything, null, 2) + "\n");
  Deno.writeTextFileSync(
    svgFile,
    ratioChart(cells, `${meta.kind}, ${meta.rounds} round(s), ${meta.date.slice(0, 10)}`),
  );
  // Written as `deno fmt` would, so that `deno fmt --check` stays clean with them in the tree.
  await output(tools.deno, ["fmt", "--quiet", mdFile, jsonFile, svgFile]).catch((error) =>
    log(`bench: deno fmt of the results failed: ${error}`)
  );
  console.log(Deno.readTextFileSync(mdFile));
  log(`bench: wrote ${mdFile}, ${jsonFile} and ${svgFile}`);
  if (fatal.length) log(`bench: ${fatal.length} failure(s):\n  ${fatal.join("\n  ")}`);
  return fatal.length ? 1 : 0;
}

function progressLine(
  round: number,
  plan: ScenarioPlan,
  spec: ServerSpec,
  outcome: TrialOutcome,
): string {
  const head = `[round ${round}] ${plan.scenario.padEnd(8)} ${spec.id.padEnd(14)}`;
  if ("error" in outcome) return `${head} ERROR ${outcome.error}`;
  if (outcome.scale) return `${head} ${scaleProgress(outcome)}`;
  const main = plan.scenario === "memory"
    ? `${fmt(outcome.kibPerConn)} KiB/socket`
    : `${fmt(outcome.cpuPerOpUs)} µs/${plan.op}`;
  return `${head} ${fmt(outcome.opsPerSec).padStart(8)} ops/s  p50 ${fmt(outcome.p50Ms)} ms  ` +
    `p99 ${fmt(outcome.p99Ms)} ms  ${main}  server ${fmt(outcome.serverCpuPct)}%  ` +
    `loadgen ${fmt(outcome.loadgenCpuPct)}%${outcome.errors ? `  errors ${outcome.errors}` : ""}`;
}

async function gitCommit(dir: string): Promise<string> {
  try {
    const head = await output("git", ["-C", dir, "rev-parse", "--short", "HEAD"]);
    const dirty = await output("git", ["-C", dir, "status", "--porcelain", "--", "src"]);
    return dirty ? `${head} (src modified)` : head;
  } catch {
    return "unknown";
  }
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.*)$/m.exec(info)?.[1].trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  log(`bench: ${error instanceof Error ? error.stack : error}`);
} finally {
  await killAll();
}
if (liveCount() > 0) log(`bench: ${liveCount()} child process(es) could not be confirmed dead`);
Deno.exit(code);
