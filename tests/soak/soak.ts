/**
 * Soak: connect / emit-with-ack / disconnect cycles over mixed transports (polling, WebSocket,
 * polling upgraded to WebSocket), some ending abruptly (a TCP reset, a polling client that just
 * vanishes, the server killing the transport), against the conformance fixture in a child
 * process (tests/soak/soak_server.ts: the fixture plus a SIGUSR2 hook that collects garbage and
 * reports heap usage). A warm-up comes first; then the measured cycles. Afterwards `/__stats`
 * must fall back to `{ clients: 0, sockets: 0 }`, and from the end of warm-up to the end,
 * measured at quiet points after a forced collection, both the child's resident memory (VmRSS)
 * and its live heap must grow by less than 1 MB per 1,000 measured cycles.
 *
 * Why a long warm-up: on Deno, VmRSS climbs in steps for the first ~5,000 cycles (V8's young
 * generation and the native allocator's arenas growing; the live heap stays flat) and is flat
 * from there on (20,000 cycles measured: 135 MB at 5,000, 131 MB at 20,000). Bun is flat after
 * ~500 cycles.
 *
 * Run: `deno task soak` (CYCLES measured cycles, default 5000; SOAK_WARMUP cycles before them,
 * default 5000; SOAK_CONCURRENCY, default 8; SOAK_MAX_SECONDS, default 900; SOAK_RUNTIME=bun to
 * soak the fixture on Bun). Prints a JSON report; exits non-zero on failure.
 * The short version is tests/soak/soak_short_test.ts.
 */
import { io, type Socket } from "socket.io-client";
import { request, SEP } from "../_helpers/raw_client.ts";
import { sleep, withTimeout } from "../_helpers/wait.ts";
import { env } from "../fixtures/serve_any.ts";
import { pollingSession, sessionQuery } from "../hardening/_attacks.ts";
import { type ChildServer, currentRuntime, spawnChild, stats } from "../hardening/_child.ts";
import { rawSocketIoWs } from "../hardening/_raw_tcp.ts";

/** The fixture's heartbeat during a soak: a vanished client is gone within 2 s. */
export const SOAK_ENV = { PING_INTERVAL: "1000", PING_TIMEOUT: "1000" };

/** How one cycle connects and ends. */
export type CycleKind =
  | "websocket"
  | "polling"
  | "upgrade"
  | "websocket-reset"
  | "polling-vanish"
  | "kill-transport";

/** The mix, by cycle index modulo 10: 7 clean cycles, 3 abrupt ones. */
const MIX: readonly CycleKind[] = [
  "websocket",
  "polling",
  "upgrade",
  "websocket",
  "polling",
  "upgrade",
  "websocket",
  "websocket-reset",
  "polling-vanish",
  "kill-transport",
];

/** Options of a soak run. */
export interface SoakOptions {
  /** Measured cycles, after the warm-up. */
  cycles: number;
  /** Cycles run at once. Default 8. */
  concurrency?: number;
  /** Cycles before the first memory sample. Default 5000 (see the module doc). */
  warmup?: number;
  /** Stop starting cycles after this many seconds. Default 900. */
  maxSeconds?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What a soak run measured. */
export interface SoakReport {
  /** Cycles run in all, warm-up included. */
  cycles: number;
  /** Cycles run before the first memory sample. */
  warmup: number;
  failures: number;
  firstErrors: string[];
  byKind: Record<string, number>;
  seconds: number;
  /** Memory of the server at the end of warm-up, quiet, after a forced collection. */
  afterWarmup: MemorySample;
  /** The same at the end. */
  atEnd: MemorySample;
  /** VmRSS growth per 1,000 measured cycles, MB. */
  rssGrowthMbPer1000: number | undefined;
  /** Live heap growth per 1,000 measured cycles, MB. */
  heapGrowthMbPer1000: number | undefined;
  /** `/__stats` once settled. */
  finalStats: { clients: number; sockets: number };
  /** Seconds `/__stats` took to settle after the last cycle. */
  settleSeconds: number;
}

/** Memory of the server process at one point. */
export interface MemorySample {
  /** VmRSS from /proc, bytes. */
  rss: number | undefined;
  /** Live heap after a collection, bytes (as the server reported it). */
  heapUsed: number | undefined;
}

const MB = 1 << 20;

/** Runs the cycles against a running fixture. */
export async function runSoak(child: ChildServer, options: SoakOptions): Promise<SoakReport> {
  const { warmup = 5000, concurrency = 8, maxSeconds = 900, log = () => {} } = options;
  const cycles = warmup + options.cycles;
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;
  const byKind: Record<string, number> = {};
  const errors: string[] = [];
  let failures = 0;
  let next = 0;
  let done = 0;

  const runUntil = async (limit: number) => {
    const worker = async () => {
      while (next < limit && Date.now() < deadline) {
        const index = next++;
        const kind = MIX[index % MIX.length];
        try {
          await withTimeout(runCycle(child, kind, index), 15_000, `cycle ${index} (${kind})`);
          byKind[kind] = (byKind[kind] ?? 0) + 1;
        } catch (error) {
          failures++;
          if (errors.length < 10) errors.push(`${kind} #${index}: ${(error as Error).message}`);
        }
        done++;
        if (done % 500 === 0) log(`${done} cycles, ${failures} failures, rss ${mb(child.rss())}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };

  await runUntil(warmup);
  await settle(child);
  const afterWarmup = await quietMemory(child);
  log(`warm-up of ${warmup} cycles done: ${describeMemory(afterWarmup)}`);
  await runUntil(cycles);
  const lastCycle = Date.now();
  const finalStats = await settle(child);
  const settleSeconds = (Date.now() - lastCycle) / 1000;
  const atEnd = await quietMemory(child);
  log(`${done} cycles done: ${describeMemory(atEnd)}`);
  const per1000 = (before: number | undefined, after: number | undefined) =>
    before !== undefined && after !== undefined && done > warmup
      ? (after - before) / MB / ((done - warmup) / 1000)
      : undefined;
  return {
    cycles: done,
    warmup,
    failures,
    firstErrors: errors,
    byKind,
    seconds: (Date.now() - started) / 1000,
    afterWarmup,
    atEnd,
    rssGrowthMbPer1000: per1000(afterWarmup.rss, atEnd.rss),
    heapGrowthMbPer1000: per1000(afterWarmup.heapUsed, atEnd.heapUsed),
    finalStats,
    settleSeconds,
  };
}

/** Waits (10 s at most) for `/__stats` to read zero; returns the last reading. */
export async function settle(child: ChildServer): Promise<{ clients: number; sockets: number }> {
  const deadline = Date.now() + 10_000;
  let now = await stats(child.url);
  while ((now.clients !== 0 || now.sockets !== 0) && Date.now() < deadline) {
    await sleep(100);
    now = await stats(child.url);
  }
  return now;
}

/**
 * Memory at a quiet point: asks the soak server (SIGUSR2; only a server with that hook may be
 * sent it) to collect garbage and report its heap, then reads VmRSS.
 */
export async function quietMemory(child: ChildServer): Promise<MemorySample> {
  const seen = child.output().length;
  child.signal("SIGUSR2");
  let heapUsed: number | undefined;
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    await sleep(50);
    const match = /heap used=(\d+)/.exec(child.output().slice(seen));
    if (match) {
      heapUsed = Number(match[1]);
      break;
    }
  }
  await sleep(200);
  return { rss: child.rss(), heapUsed };
}

function describeMemory(sample: MemorySample): string {
  return `rss ${mb(sample.rss)}, heap ${mb(sample.heapUsed)}`;
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / MB).toFixed(1)} MB`;
}

/** One cycle: connect, one event with an ack, then a clean or an abrupt end. */
async function runCycle(child: ChildServer, kind: CycleKind, index: number): Promise<void> {
  switch (kind) {
    case "websocket":
      return await clientCycle(child.url, { transports: ["websocket"] }, index);
    case "polling":
      return await clientCycle(child.url, { transports: ["polling"] }, index);
    case "upgrade":
      return await clientCycle(child.url, {}, index, { waitUpgrade: true });
    case "kill-transport":
      return await clientCycle(
        child.url,
        { transports: index % 20 < 10 ? ["websocket"] : ["polling"] },
        index,
        { kill: true },
      );
    case "websocket-reset": {
      const ws = await rawSocketIoWs(child.port);
      try {
        await ws.sendText(`421["message-with-ack",${index}]`);
        const ack = await ws.nextText(5000);
        if (ack !== `431[${index}]`) throw new Error(`unexpected ack ${ack}`);
      } finally {
        ws.reset();
      }
      return;
    }
    case "polling-vanish": {
      const sid = await pollingSession(child.url, "/socket.io/");
      const target = `${child.url}${sessionQuery("/socket.io/", sid)}`;
      await expectOk(request(target, { method: "POST", body: "40" }, 5000));
      await readUntil(target, (packet) => packet.startsWith("40{"));
      await expectOk(
        request(target, { method: "POST", body: `421["message-with-ack",${index}]` }, 5000),
      );
      await readUntil(target, (packet) => packet === `431[${index}]`);
      return; // and never poll again: the server's heartbeat ends the session
    }
  }
}

async function expectOk(reply: Promise<{ status: number; body: string }>): Promise<void> {
  const { status, body } = await reply;
  if (status !== 200) throw new Error(`HTTP ${status}: ${body}`);
}

/** Polls until a packet satisfies `wanted` (5 polls at most). */
async function readUntil(target: string, wanted: (packet: string) => boolean): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const reply = await request(target, {}, 5000);
    if (reply.status !== 200) throw new Error(`poll: HTTP ${reply.status} ${reply.body}`);
    if (reply.body.split(SEP).some(wanted)) return;
  }
  throw new Error("the expected packet never came");
}

async function clientCycle(
  url: string,
  options: { transports?: ("polling" | "websocket")[] },
  index: number,
  { waitUpgrade = false, kill = false } = {},
): Promise<void> {
  const socket: Socket = io(url, {
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    ...options,
  });
  try {
    await waitFor(socket, "connect");
    if (waitUpgrade && socket.io.engine.transport.name !== "websocket") {
      await waitFor(socket.io.engine as unknown as Socket, "upgrade");
    }
    const reply = await socket.timeout(5000).emitWithAck("message-with-ack", index);
    if (reply !== index) throw new Error(`ack ${reply} for ${index}`);
    if (kill) {
      const closed = waitFor(socket, "disconnect");
      socket.emit("kill-transport");
      await closed;
    }
  } finally {
    socket.disconnect();
  }
}

function waitFor(emitter: Socket, event: string): Promise<void> {
  let listener: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const fired = new Promise<void>((resolve, reject) => {
    listener = () => resolve();
    failed = (error) => reject(error);
    emitter.once(event, listener);
    if (event === "connect") emitter.once("connect_error", failed);
  });
  return withTimeout(fired, 5000, `"${event}"`).finally(() => {
    emitter.off(event, listener);
    if (failed) emitter.off("connect_error", failed);
  });
}

/**
 * Checks a report against the soak's limits: no failed cycle, `/__stats` back to zero, and
 * VmRSS and live heap each grown by at most 1 MB per 1,000 measured cycles (or by the given
 * floors, for runs too short for that budget to rise above measurement noise). Returns what
 * failed (empty when all passed).
 */
export function verdict(
  report: SoakReport,
  floors: { rssMb?: number; heapMb?: number } = {},
): string[] {
  const problems: string[] = [];
  if (report.failures > 0) {
    problems.push(`${report.failures} cycles failed: ${report.firstErrors.join("; ")}`);
  }
  if (report.finalStats.clients !== 0 || report.finalStats.sockets !== 0) {
    problems.push(`/__stats did not return to zero: ${JSON.stringify(report.finalStats)}`);
  }
  const measured = report.cycles - report.warmup;
  const limits: [string, number | undefined, number | undefined, number][] = [
    ["RSS", report.afterWarmup.rss, report.atEnd.rss, floors.rssMb ?? 0],
    ["live heap", report.afterWarmup.heapUsed, report.atEnd.heapUsed, floors.heapMb ?? 0],
  ];
  for (const [what, before, after, floor] of limits) {
    if (before === undefined || after === undefined) continue;
    const allowed = Math.max(measured / 1000, floor) * MB;
    if (after - before > allowed) {
      problems.push(
        `${what} grew by ${mb(after - before)} over ${measured} cycles (allowed ${mb(allowed)})`,
      );
    }
  }
  return problems;
}

/** The soak's fixture: the conformance fixture with the memory hook, on `runtime`. */
export function spawnSoakServer(runtime: "deno" | "bun" = currentRuntime()): Promise<ChildServer> {
  return spawnChild({ env: SOAK_ENV, script: SOAK_SERVER, runtime, exposeGc: true });
}

/** The fixture plus the SIGUSR2 memory hook. */
export const SOAK_SERVER = "tests/soak/soak_server.ts";

if (import.meta.main) {
  const cycles = Number(env("CYCLES") ?? 5000);
  const warmup = env("SOAK_WARMUP");
  const runtime = env("SOAK_RUNTIME") === "bun" ? "bun" : currentRuntime();
  const child = await spawnSoakServer(runtime);
  const line = (text: string) => console.log(`[soak ${runtime}] ${text}`);
  line(`fixture pid ${child.pid} on port ${child.port}, rss ${mb(child.rss())}`);
  let problems: string[];
  try {
    const report = await runSoak(child, {
      cycles,
      warmup: warmup === undefined ? undefined : Number(warmup),
      concurrency: Number(env("SOAK_CONCURRENCY") ?? 8),
      maxSeconds: Number(env("SOAK_MAX_SECONDS") ?? 900),
      log: line,
    });
    console.log(JSON.stringify(report, null, 2));
    problems = verdict(report);
    const total = report.warmup + cycles;
    if (report.cycles < total) problems.push(`only ${report.cycles} of ${total} cycles ran`);
  } finally {
    await child.stop();
  }
  for (const problem of problems) line(`FAIL: ${problem}`);
  line(problems.length === 0 ? "PASS" : "FAILED");
  if (problems.length > 0) {
    (globalThis as unknown as { process: { exitCode: number } }).process.exitCode = 1;
  }
}
