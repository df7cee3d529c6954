/**
 * Profiles our fixture under one scenario's load and prints its hot spots with file:line.
 * The fixture runs with the runtime's own CPU profiler (`--cpu-prof` on Deno, Bun and Node)
 * and exits normally on SIGTERM, which writes the profile; the load is the bench's own
 * load generator with the full run's parameters.
 *
 *   deno run -A bench/harness/profile.ts --runtime deno --scenario ack [--duration 6000] [--top 25]
 *   deno run -A bench/harness/profile.ts --runtime deno --scenario ack --raw   (the raw echo)
 *   deno run -A bench/harness/profile.ts --runtime node --scenario polling \
 *     --target ./socketio_node.mjs   (another Socket.IO server of bench/servers/, e.g. the reference)
 *   deno run -A bench/harness/profile.ts --analyze path/to/file.cpuprofile   (tables only)
 *
 * Profiles are kept in bench/results/logs/profiles/ (not committed).
 */
import { join, relative } from "node:path";
import { kill, killAll, spawn } from "./children.ts";
import { runTrials } from "./loadgen.ts";
import { fullPlan } from "./plan.ts";
import { SERVER_ENV } from "./servers.ts";
import { findTools, ROOT } from "./tools.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and total time per function, in ms, from a .cpuprofile. */
export function hotSpots(
  profile: CpuProfile,
): { key: string; self: number; total: number; file: string }[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const keyOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? relative(ROOT, url.replace(/^file:\/\//, "")) : "(native)";
    return { key: `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`, file };
  };
  // Bun samples only while JavaScript runs, so the sample after an idle stretch carries the
  // whole gap: cap every sample's weight at a few typical intervals.
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 4 * (deltas[deltas.length >> 1] ?? 1000);
  const stats = new Map<string, { self: number; total: number; file: string }>();
  const entry = (node: ProfileNode) => {
    const { key, file } = keyOf(node);
    let stat = stats.get(key);
    if (!stat) stats.set(key, stat = { self: 0, total: 0, file });
    return stat;
  };
  profile.samples.forEach((id, index) => {
    const ms = Math.min(profile.timeDeltas[index] ?? 0, cap) / 1000;
    const leaf = byId.get(id);
    if (!leaf) return;
    entry(leaf).self += ms;
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id)!)) {
      const { key } = keyOf(node);
      if (seen.has(key)) continue;
      seen.add(key);
      entry(node).total += ms;
    }
  });
  return [...stats].map(([key, stat]) => ({ key, ...stat }));
}

async function main(): Promise<number> {
  const args = Deno.args;
  const value = (name: string, fallback: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : fallback;
  };
  const analyze = value("analyze", "");
  if (analyze) {
    printHotSpots(analyze, Number(value("top", "25")));
    return 0;
  }
  const runtime = value("runtime", "deno");
  const scenario = value("scenario", "ack");
  const top = Number(value("top", "25"));
  const raw = args.includes("--raw");
  const target = raw
    ? `./raw_ws_${runtime}.${runtime === "node" ? "mjs" : "ts"}`
    : value("target", "");
  const tools = await findTools();
  const plan = fullPlan().find((p) => p.scenario === scenario);
  if (!plan) throw new Error(`unknown scenario ${scenario}`);
  if (plan.scale) {
    throw new Error("the scale scenario has no profile run (deno task bench --scenarios scale)");
  }
  plan.durationMs = Number(value("duration", String(plan.durationMs)));
  const name = `${raw ? "raw-" : target ? "target-" : ""}${runtime}-${scenario}-${Date.now()}`;
  const dir = join(ROOT, "bench/results/logs/profiles", name);
  Deno.mkdirSync(dir, { recursive: true });
  const entry = "bench/servers/profiled_fixture.ts";
  const prof = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
  const command = runtime === "deno"
    ? { cmd: tools.deno, args: ["run", "-A", ...prof, entry] }
    : runtime === "bun"
    ? { cmd: tools.bun!, args: [...prof, entry] }
    : { cmd: tools.node!, args: [...prof, "--import", tools.tsxLoader!, entry] };

  const ready = Promise.withResolvers<number>();
  const server = spawn(command.cmd, command.args, {
    cwd: ROOT,
    env: { ...SERVER_ENV, ...(target ? { BENCH_PROFILE_TARGET: target } : {}) },
    onStdout(line) {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (match) ready.resolve(Number(match[1]));
    },
    onStderr: (line) => console.error(`server: ${line}`),
  });
  const timer = setTimeout(() => ready.reject(new Error("the server did not start")), 30_000);
  const port = await ready.promise;
  clearTimeout(timer);
  const [outcome] = await runTrials(tools, tools.bun ? "bun" : "deno", [{
    ...plan,
    protocol: raw ? "raw" : "sio",
    port,
    serverPid: server.pid,
    clockTicks: tools.clockTicks,
  }], () => {});
  console.log(`load: ${JSON.stringify(outcome)}`);
  server.kill("SIGTERM");
  const exited = await Promise.race([
    server.status.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000)),
  ]);
  if (!exited) await kill(server);

  const files = [...Deno.readDirSync(dir)].filter((f) => f.name.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error(`no profile written in ${dir}`);
  // Node writes one profile per thread (tsx's loader has one): the main thread's is the largest.
  const biggest = files.map((f) => join(dir, f.name))
    .sort((a, b) => Deno.statSync(b).size - Deno.statSync(a).size)[0];
  printHotSpots(biggest, top);
  return 0;
}

/** Prints the hot spots of a .cpuprofile as markdown tables. */
function printHotSpots(file: string, top: number): void {
  const spots = hotSpots(JSON.parse(Deno.readTextFileSync(file)) as CpuProfile);
  const sampled = spots.reduce((sum, s) => sum + s.self, 0);
  const idle = spots.filter((s) => /^\(idle\)/.test(s.key))
    .reduce((sum, s) => sum + s.self, 0);
  console.log(`\nprofile: ${relative(ROOT, file)}`);
  console.log(`sampled ${sampled.toFixed(0)} ms, of which idle ${idle.toFixed(0)} ms\n`);
  const pct = (ms: number) => `${((ms / (sampled - idle)) * 100).toFixed(1)}%`;
  console.log(`| self ms | self % of busy | function file:line |\n| ---: | ---: | --- |`);
  for (
    const spot of spots.filter((s) => !/^\(idle\)/.test(s.key)).sort((a, b) => b.self - a.self)
      .slice(0, top)
  ) {
    console.log(`| ${spot.self.toFixed(0)} | ${pct(spot.self)} | \`${spot.key}\` |`);
  }
  console.log(
    `\n| total ms | total % of busy | project function (src/) file:line |\n| ---: | ---: | --- |`,
  );
  for (
    const spot of spots.filter((s) => s.file.startsWith("src/")).sort((a, b) => b.total - a.total)
      .slice(0, top)
  ) {
    console.log(`| ${spot.total.toFixed(0)} | ${pct(spot.total)} | \`${spot.key}\` |`);
  }
  const byFile = new Map<string, number>();
  for (const spot of spots) {
    if (!/^\(idle\)/.test(spot.key)) {
      byFile.set(spot.file, (byFile.get(spot.file) ?? 0) + spot.self);
    }
  }
  console.log(`\n| self ms | self % of busy | file |\n| ---: | ---: | --- |`);
  for (const [file, ms] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${ms.toFixed(0)} | ${pct(ms)} | ${file} |`);
  }
}

if (import.meta.main) {
  let code = 1;
  try {
    code = await main();
  } catch (error) {
    console.error(`profile: ${error instanceof Error ? error.message : error}`);
  } finally {
    await killAll();
  }
  Deno.exit(code);
}
