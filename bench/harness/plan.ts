/** The scenarios' parameters, for a full run and for the smoke run. */
import type { ScenarioName, TrialConfig } from "../loadgen/trial.ts";

/** One scenario's load shape (everything of a TrialConfig but the server). */
export type ScenarioPlan = Omit<TrialConfig, "protocol" | "port" | "serverPid" | "clockTicks"> & {
  /** What one operation is. */
  op: string;
  /** Runs only when `--scenarios` names it (a long scenario). */
  optIn?: boolean;
  /** The scale scenario's settings (run by harness/scale.ts, not by the load generator). */
  scale?: ScaleSettings;
};

/** The scale scenario: N idle sockets on one server, k heartbeat rounds, one broadcast. */
export interface ScaleSettings {
  /** Sockets asked for (capped by the server's RLIMIT_NOFILE less `fdHeadroom`). */
  sockets: number;
  /** Descriptors left to the server besides the sockets (listener, runtime, files). */
  fdHeadroom: number;
  /** PING_INTERVAL and PING_TIMEOUT of the server for this scenario (every server the same). */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** k: the CPU window is k ping intervals long; CPU per round = CPU of the window ÷ k. */
  heartbeatRounds: number;
  /** Most clients one load-generator process holds (each process has its own fd limit). */
  perProcess: number;
  /** Loopback source addresses the clients bind to: 127.0.0.1 … 127.0.0.<addresses>. */
  addresses: number;
  /** Sockets opened per second over all load-generator processes. */
  openRatePerSec: number;
  /** Handshakes in flight per load-generator process. */
  concurrency: number;
  /** Opening stops after this long (the sockets not opened count as failed). */
  openTimeoutMs: number;
  /** How long every client may take to receive the broadcast. */
  broadcastTimeoutMs: number;
}

/** A one-line description of a scenario's load, from its parameters. */
export function describe(plan: ScenarioPlan): string {
  const timing = `${plan.warmupMs} ms warm-up, ${plan.durationMs} ms measured`;
  switch (plan.scenario) {
    case "ack":
      return `ack-echo: ${plan.clients} WebSocket clients × ${plan.inflight} message-with-ack in flight (${timing})`;
    case "fanout":
      return `fan-out: ${plan.sockets} sockets in a room, 1 emitter of broadcast-room, ${plan.window} broadcasts in flight; op = one delivery (${timing})`;
    case "connect":
      return `connect rate: ${plan.clients} loops of WebSocket handshake + CONNECT "/" + 1 ack + close (${timing})`;
    case "memory":
      return `idle memory: ${plan.sockets} sockets opened on a fresh server, RSS read before and ${plan.durationMs} ms after`;
    case "polling":
      return `long-polling: ${plan.clients} sessions (no upgrade) × ${plan.inflight} message-with-ack in flight (${timing})`;
    case "scale": {
      const s = plan.scale!;
      return `scale: ${
        s.sockets.toLocaleString("en-US")
      } idle WebSocket sockets asked (capped by the server's RLIMIT_NOFILE) from ${s.addresses} loopback source addresses, ≤${s.perProcess} per load-generator process, opened at ${s.openRatePerSec}/s; pingInterval ${s.pingIntervalMs} ms, CPU over ${s.heartbeatRounds} ping intervals; then one broadcast-all`;
    }
    case "binary":
      return `binary echo: ${plan.clients} WebSocket clients × ${plan.inflight} message-with-ack of ${
        plan.payloadBytes / 1024
      } KiB in flight (${timing})`;
  }
}

const BASE = {
  clients: 1,
  inflight: 1,
  payloadBytes: 0,
  sockets: 0,
  window: 1,
};

/** The scale scenario's settings in a full run. */
export const SCALE_SETTINGS: ScaleSettings = {
  sockets: 50_000,
  fdHeadroom: 500,
  pingIntervalMs: 5000,
  pingTimeoutMs: 20_000,
  heartbeatRounds: 4,
  perProcess: 5000,
  addresses: 8,
  openRatePerSec: 2000,
  concurrency: 64,
  openTimeoutMs: 90_000,
  broadcastTimeoutMs: 30_000,
};

/** The full run's scenarios, in run order. */
export function fullPlan(): ScenarioPlan[] {
  return [
    {
      ...BASE,
      scenario: "ack",
      op: "ack",
      clients: 100,
      inflight: 4,
      warmupMs: 1500,
      durationMs: 4000,
      settleMs: 500,
      deadlineMs: 30_000,
    },
    {
      ...BASE,
      scenario: "fanout",
      op: "delivery",
      sockets: 1000,
      window: 4,
      warmupMs: 1000,
      durationMs: 4000,
      settleMs: 500,
      deadlineMs: 45_000,
    },
    {
      ...BASE,
      scenario: "connect",
      op: "connect",
      clients: 16,
      warmupMs: 1000,
      durationMs: 4000,
      settleMs: 1000,
      deadlineMs: 30_000,
    },
    {
      ...BASE,
      scenario: "memory",
      op: "socket",
      sockets: 2000,
      warmupMs: 500,
      durationMs: 2000,
      settleMs: 500,
      deadlineMs: 60_000,
    },
    {
      ...BASE,
      scenario: "polling",
      op: "ack",
      clients: 50,
      inflight: 1,
      warmupMs: 1000,
      durationMs: 4000,
      settleMs: 500,
      deadlineMs: 30_000,
    },
    {
      ...BASE,
      scenario: "binary",
      op: "ack",
      clients: 20,
      inflight: 2,
      payloadBytes: 65536,
      warmupMs: 1000,
      durationMs: 4000,
      settleMs: 500,
      deadlineMs: 30_000,
    },
    {
      ...BASE,
      scenario: "scale",
      op: "socket",
      optIn: true,
      sockets: 50_000,
      warmupMs: 0,
      durationMs: 4 * 5000,
      settleMs: 1000,
      deadlineMs: 240_000,
      scale: SCALE_SETTINGS,
    },
  ];
}

/** The smoke run: every scenario and server, a few clients, a fraction of a second each. */
export function smokePlan(): ScenarioPlan[] {
  const shrink: Partial<Record<ScenarioName, Partial<ScenarioPlan>>> = {
    ack: { clients: 8, inflight: 2 },
    fanout: { sockets: 40, window: 2 },
    connect: { clients: 4 },
    memory: { sockets: 100, durationMs: 100 },
    polling: { clients: 4 },
    binary: { clients: 4, inflight: 1 },
  };
  const smokeScale: Partial<ScaleSettings> = {
    sockets: 200,
    pingIntervalMs: 500,
    heartbeatRounds: 2,
    perProcess: 100,
    addresses: 2,
    openTimeoutMs: 10_000,
    broadcastTimeoutMs: 5000,
  };
  return fullPlan().map((plan) => ({
    ...plan,
    warmupMs: 30,
    durationMs: 120,
    settleMs: 10,
    deadlineMs: 10_000,
    ...shrink[plan.scenario],
    ...(plan.scale
      ? {
        optIn: false,
        sockets: 200,
        durationMs: 1000,
        deadlineMs: 60_000,
        scale: { ...plan.scale, ...smokeScale },
      }
      : {}),
  }));
}
