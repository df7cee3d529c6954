/** The scenarios' parameters, for a full run and for the smoke run. */
import type { ScenarioName, TrialConfig } from "../loadgen/trial.ts";

/** One scenario's load shape (everything of a TrialConfig but the server). */
export type ScenarioPlan = Omit<TrialConfig, "protocol" | "port" | "serverPid" | "clockTicks"> & {
  /** What one operation is. */
  op: string;
};

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
  return fullPlan().map((plan) => ({
    ...plan,
    warmupMs: 30,
    durationMs: 120,
    settleMs: 10,
    deadlineMs: 10_000,
    ...shrink[plan.scenario],
  }));
}
