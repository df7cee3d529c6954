/**
 * The scale scenario, run by the harness itself: one fresh server process, N idle Socket.IO
 * sockets spread over several Node load-generator processes (bench/loadgen/scale_client.mjs)
 * and loopback source addresses, k heartbeat rounds measured, then one broadcast to all.
 * N is capped by the server's RLIMIT_NOFILE (less a headroom), each process holds at most
 * `perProcess` clients, and every wait is bounded; every process started is killed at the end.
 */
import type { ScaleFigures, TrialResult } from "../loadgen/trial.ts";
import { cpuTicks, rssKiB } from "../loadgen/proc.ts";
import { sleep } from "../loadgen/window.ts";
import { kill, spawn } from "./children.ts";
import type { TrialOutcome } from "./loadgen.ts";
import type { ScaleSettings, ScenarioPlan } from "./plan.ts";
import { fmt } from "./report.ts";
import { type DepsState, type RunningServer, type ServerSpec, startServer } from "./servers.ts";
import { ROOT, type Tools } from "./tools.ts";

/** The soft and hard RLIMIT_NOFILE of a process, from /proc/<pid>/limits. */
export function fdLimits(pid: number | "self"): { soft: number; hard: number } {
  const text = Deno.readTextFileSync(`/proc/${pid}/limits`);
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  const read = (value: string | undefined) =>
    value === undefined || value === "unlimited" ? Infinity : Number(value);
  return { soft: read(match?.[1]), hard: read(match?.[2]) };
}

/** How many sockets a run opens: the ask, capped by the server's fd limit less the headroom. */
export function socketCount(
  settings: ScaleSettings,
  serverFdLimit: number,
): { count: number; capped: boolean } {
  // One descriptor more for the emitter's socket.
  const cap = Math.max(0, serverFdLimit - settings.fdHeadroom - 1);
  return settings.sockets > cap
    ? { count: cap, capped: true }
    : { count: settings.sockets, capped: false };
}

/** Splits `count` clients over processes of at most `perProcess` each, as evenly as possible. */
export function shares(count: number, perProcess: number): number[] {
  const processes = Math.max(1, Math.ceil(count / Math.max(1, perProcess)));
  return Array.from(
    { length: processes },
    (_, i) => Math.floor(count / processes) + (i < count % processes ? 1 : 0),
  );
}

/** A load-generator process and the lines it printed, read by command prefix. */
interface ClientProcess {
  pid: number;
  send(line: string): Promise<void>;
  /** The next line starting with `prefix` (its words after the prefix); rejects after `ms`. */
  expect(prefix: string, ms: number): Promise<string[]>;
  stop(): Promise<void>;
}

function startClient(tools: Tools, config: Record<string, unknown>): ClientProcess {
  const lines: string[] = [];
  const tail: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((waiter) => waiter());
  const child = spawn(tools.node!, ["bench/loadgen/scale_client.mjs"], {
    cwd: ROOT,
    env: { SCALE_CLIENT: JSON.stringify(config) },
    stdin: "piped",
    onStdout(line) {
      lines.push(line);
      wake();
    },
    onStderr(line) {
      tail.push(line);
      if (tail.length > 10) tail.shift();
    },
  });
  let exited = false;
  child.status.then(() => {
    exited = true;
    wake();
  });
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  return {
    pid: child.pid,
    send: (line) => writer.write(encoder.encode(line + "\n")).catch(() => {}),
    async expect(prefix, ms) {
      const until = performance.now() + ms;
      while (true) {
        const index = lines.findIndex((line) => line.startsWith(prefix + " ") || line === prefix);
        if (index >= 0) {
          const rest = lines.splice(index, 1)[0].slice(prefix.length + 1);
          return rest ? rest.split(" ") : [];
        }
        if (exited) throw new Error(`load generator exited: ${tail.join(" | ")}`);
        const left = until - performance.now();
        if (left <= 0) throw new Error(`no ${prefix} from a load generator within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(left, 1000));
          waiters.add(done);
        });
      }
    },
    async stop() {
      await writer.close().catch(() => {});
      await kill(child);
    },
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Server CPU (ms) and load generators' CPU (% of one core) between two readings. */
function cpuReading(serverPid: number, clientPids: number[]) {
  return {
    at: performance.now(),
    server: cpuTicks(serverPid),
    clients: sum(clientPids.map((pid) => cpuTicks(pid))),
  };
}

/**
 * Runs the scale scenario against one server (a fresh process, with the scenario's ping
 * timings) and returns its outcome, plus notes for the summary (e.g. the fd cap).
 */
export async function runScale(
  spec: ServerSpec,
  plan: ScenarioPlan,
  tools: Tools,
  deps: DepsState,
  log: (line: string) => void,
): Promise<{ outcome: TrialOutcome; notes: string[] }> {
  const settings = plan.scale!;
  const notes: string[] = [];
  const clients: ClientProcess[] = [];
  let server: RunningServer | undefined;
  // Every step is bounded; the deadline bounds their sum too.
  let abandoned = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`deadline of ${plan.deadlineMs} ms passed`)),
      plan.deadlineMs,
    );
  });
  const measure = async (): Promise<TrialResult> => {
    server = await startServer(
      {
        ...spec,
        env: {
          ...spec.env,
          PING_INTERVAL: String(settings.pingIntervalMs),
          PING_TIMEOUT: String(settings.pingTimeoutMs),
          // Our fixture's default maxConnections (10000) would refuse the rest; socket.io has none.
          MAX_CONNECTIONS: "Infinity",
        },
      },
      tools,
      deps,
    );
    if (abandoned) {
      await server.stop();
      throw new Error("abandoned");
    }
    const limit = fdLimits(server.pid);
    const { count, capped } = socketCount(settings, limit.soft);
    if (capped) {
      const line =
        `scale: N capped at ${count} by RLIMIT_NOFILE=${limit.soft} (hard ${limit.hard}) ` +
        `of the server process (asked ${settings.sockets}, headroom ${settings.fdHeadroom} + 1 emitter)`;
      log(`${spec.id}: ${line}`);
      notes.push(line);
    }
    // Each load generator has its own fd limit too (the same as this process's, inherited).
    const perProcess = Math.min(settings.perProcess, fdLimits("self").soft - 200);
    const split = shares(count, perProcess);
    const addresses = Array.from({ length: settings.addresses }, (_, i) => `127.0.0.${i + 1}`);
    await sleep(plan.settleMs);
    const rssBefore = rssKiB(server.pid);

    let firstIndex = 0;
    for (const [index, share] of split.entries()) {
      if (abandoned) throw new Error("abandoned");
      clients.push(startClient(tools, {
        port: server.port,
        count: share,
        firstIndex,
        addresses,
        ratePerSec: settings.openRatePerSec / split.length,
        concurrency: settings.concurrency,
        openTimeoutMs: settings.openTimeoutMs,
        handshakeTimeoutMs: 10_000,
        pingIntervalMs: settings.pingIntervalMs,
        emitter: index === 0,
      }));
      firstIndex += share;
    }
    const openLimit = settings.openTimeoutMs + 15_000;
    const opened = await Promise.all(clients.map((client) => client.expect("OPENED", openLimit)));
    const held = sum(opened.map((words) => Number(words[0])));
    const failedOpens = sum(opened.map((words) => Number(words[1])));
    const openMs = Math.max(...opened.map((words) => Number(words[2])));
    const firstError = opened.map((words) => words.slice(3).join(" ")).find((e) => e !== "-");
    log(
      `${spec.id}: scale: ${held} of ${count} sockets open in ${openMs} ms from ` +
        `${split.length} processes${failedOpens ? `, ${failedOpens} failed (${firstError})` : ""}`,
    );

    // Every socket gets pinged at least once before memory and CPU are read.
    await sleep(settings.pingIntervalMs + plan.settleMs);
    const rssAfter = rssKiB(server.pid);
    const pids = clients.map((client) => client.pid);
    const mark = async () => {
      await Promise.all(clients.map((client) => client.send("MARK")));
      const words = await Promise.all(clients.map((client) => client.expect("MARK", 10_000)));
      const field = (i: number) => sum(words.map((w) => Number(w[i])));
      return { pings: field(0), pongs: field(1), lost: field(2), held: field(3), stale: field(4) };
    };
    const before = await mark();
    const cpuStart = cpuReading(server.pid, pids);
    await sleep(settings.heartbeatRounds * settings.pingIntervalMs);
    const cpuEnd = cpuReading(server.pid, pids);
    const after = await mark();

    // Receivers time the broadcast whenever it comes; AWAIT only collects their times.
    await clients[0].send("EMIT");
    const emitted = await clients[0].expect("EMITTED", 10_000);
    if (emitted.length) throw new Error(`no broadcast: ${emitted.join(" ")}`);
    const awaitMs = settings.broadcastTimeoutMs;
    await Promise.all(clients.map((client) => client.send(`AWAIT ${awaitMs}`)));
    const deliveries = await Promise.all(
      clients.map((client) => client.expect("DELIVERED", awaitMs + 10_000)),
    );
    const latencies = deliveries.flatMap((words) => words[2] ? words[2].split(",").map(Number) : [])
      .sort((a, b) => a - b);
    const final = await mark();

    const ms = (ticks: number) => (ticks * 1000) / tools.clockTicks;
    const wallMs = cpuEnd.at - cpuStart.at;
    const serverCpuMs = ms(cpuEnd.server - cpuStart.server);
    const scale: ScaleFigures = {
      requested: settings.sockets,
      capped: count,
      fdLimit: limit.soft,
      opened: held,
      failedOpens,
      openMs,
      processes: split.length,
      addresses: addresses.length,
      kibPerSocket: held > 0 ? round((rssAfter - rssBefore) / held) : NaN,
      pingIntervalMs: settings.pingIntervalMs,
      heartbeatRounds: settings.heartbeatRounds,
      cpuMsPerRound: round(serverCpuMs / settings.heartbeatRounds),
      pingsPerSocket: after.held > 0 ? round((after.pings - before.pings) / after.held) : 0,
      lost: final.lost,
      stale: after.stale,
      delivered: latencies.length,
      expected: sum(deliveries.map((words) => Number(words[1]))),
      broadcastAllMs: latencies.length ? round(latencies[latencies.length - 1]) : NaN,
      broadcastP50Ms: latencies.length ? round(latencies[latencies.length >> 1]) : NaN,
    };
    const undelivered = scale.expected - scale.delivered;
    const result: TrialResult = {
      ops: final.held,
      wallMs: round(wallMs),
      opsPerSec: openMs > 0 ? round((held * 1000) / openMs) : 0,
      p50Ms: scale.broadcastP50Ms,
      p99Ms: latencies.length ? round(latencies[Math.floor(latencies.length * 0.99)]) : NaN,
      serverCpuMs: round(serverCpuMs),
      cpuPerOpUs: held > 0 ? round((serverCpuMs * 1000) / held / settings.heartbeatRounds, 3) : 0,
      serverCpuPct: round((serverCpuMs / wallMs) * 100),
      loadgenCpuPct: round((ms(cpuEnd.clients - cpuStart.clients) / wallMs) * 100),
      serverRssKiB: rssAfter,
      kibPerConn: scale.kibPerSocket,
      errors: failedOpens + final.lost + after.stale + undelivered,
      note: `RSS ${rssBefore} → ${rssAfter} KiB; pings ${after.pings - before.pings} answered ` +
        `(${after.pongs - before.pongs} pongs) in the window`,
      scale,
    };
    return result;
  };
  try {
    return { outcome: await Promise.race([measure(), deadline]), notes };
  } catch (error) {
    return { outcome: { error: error instanceof Error ? error.message : String(error) }, notes };
  } finally {
    clearTimeout(timer);
    abandoned = true;
    // The clients reset their sockets (no TIME_WAIT left behind), then every process is killed.
    await Promise.all(clients.map(async (client) => {
      await client.send("CLOSE");
      await client.expect("CLOSED", 5000).catch(() => {});
      await client.stop();
    }));
    await server?.stop();
  }
}

/** The scale figures of a progress line. */
export function scaleProgress(outcome: TrialResult): string {
  const s = outcome.scale!;
  return `${s.opened}/${s.capped} sockets  ${fmt(s.kibPerSocket)} KiB/socket  ` +
    `${fmt(s.cpuMsPerRound)} ms CPU/heartbeat round  ${fmt(s.pingsPerSocket)} pings/socket  ` +
    `lost ${s.lost}  unpinged ${s.stale}  broadcast ${s.delivered}/${s.expected} in ` +
    `${fmt(s.broadcastAllMs)} ms  loadgen ${fmt(outcome.loadgenCpuPct)}%`;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
