/**
 * What the harness asks one load-generator process to do (a trial), and what it answers.
 * The harness passes a list of {@link TrialConfig} as JSON in the `BENCH_TRIALS` environment
 * variable; the load generator runs them in order and prints one line per trial on stdout:
 * `RESULT <index> <TrialResult or {"error": message} as JSON>`.
 */

/** The scenarios the load generator knows. */
export type ScenarioName =
  | "ack"
  | "fanout"
  | "connect"
  | "memory"
  | "polling"
  | "binary"
  | "scale";

/** The protocol spoken to the server: Socket.IO v5 over Engine.IO v4, or raw echo frames. */
export type Protocol = "sio" | "raw";

/** One trial: one scenario against one server. */
export interface TrialConfig {
  scenario: ScenarioName;
  protocol: Protocol;
  /** 127.0.0.1 port of the server. */
  port: number;
  /** PID of the server process, whose /proc entries are read around the measured window. */
  serverPid: number;
  /** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`). */
  clockTicks: number;
  /** Run unmeasured for this long first (JIT, pools, caches). */
  warmupMs: number;
  /** Length of the measured window. */
  durationMs: number;
  /** Concurrent clients (sockets, pollers or connect loops). */
  clients: number;
  /** Requests in flight per client (ack and binary scenarios). */
  inflight: number;
  /** Binary payload size (binary scenario). */
  payloadBytes: number;
  /** Sockets in the room (fanout) or held open (memory). */
  sockets: number;
  /** Broadcasts in flight at once (fanout). */
  window: number;
  /** Pause before the trial, so the previous one's closes are over. */
  settleMs: number;
  /** Give up the trial (and the process) after this long, whatever happens. */
  deadlineMs: number;
}

/** The numbers one trial produced. */
export interface TrialResult {
  /** Operations completed in the measured window (acks, deliveries, connects, sockets). */
  ops: number;
  /** Length of the measured window in ms. */
  wallMs: number;
  /** ops per second over the window. */
  opsPerSec: number;
  /** Latency percentiles of the operations, in ms (0 when not applicable). */
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time (user + system, all threads) spent in the window, in ms. */
  serverCpuMs: number;
  /** Server CPU per operation in µs. */
  cpuPerOpUs: number;
  /** Server CPU use over the window, in % of one core. */
  serverCpuPct: number;
  /** The load generator's own CPU use over the window, in % of one core. */
  loadgenCpuPct: number;
  /** Resident memory of the server at the end, in KiB. */
  serverRssKiB: number;
  /** Memory scenario: RSS growth per open connection, in KiB. */
  kibPerConn?: number;
  /** Requests that failed or went unanswered. */
  errors: number;
  /** Extra notes (e.g. why a trial stopped early). */
  note?: string;
  /** The scale scenario's figures. */
  scale?: ScaleFigures;
}

/** What the scale scenario measured on one server. */
export interface ScaleFigures {
  /** Sockets asked for, and the cap the server's RLIMIT_NOFILE put on them. */
  requested: number;
  capped: number;
  /** The server process's RLIMIT_NOFILE (soft limit). */
  fdLimit: number;
  /** Sockets connected to "/" when opening ended, and those that failed to open. */
  opened: number;
  failedOpens: number;
  /** Time to open them all, in ms. */
  openMs: number;
  /** Load-generator processes and loopback source addresses the sockets came from. */
  processes: number;
  addresses: number;
  /** RSS growth of the server per open socket, in KiB. */
  kibPerSocket: number;
  /** Heartbeat window: ping interval, rounds (k), server CPU per round in ms. */
  pingIntervalMs: number;
  heartbeatRounds: number;
  cpuMsPerRound: number;
  /** Pings the clients received (and answered) in the window, per held socket. */
  pingsPerSocket: number;
  /** Sockets the server closed (ping timeouts or any other reason) over the whole trial. */
  lost: number;
  /** Held sockets that had no ping for 2 ping intervals at the end of the window. */
  stale: number;
  /** Broadcast-all: deliveries, deliveries expected, time until the last and the median one. */
  delivered: number;
  expected: number;
  broadcastAllMs: number;
  broadcastP50Ms: number;
}
