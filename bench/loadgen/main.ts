/**
 * The load generator: started by the harness (bench/harness/run.ts) with a list of
 * TrialConfig as JSON in BENCH_TRIALS; runs them one after another and prints
 * `RESULT <index> <json>` for each. Runs on Bun or Deno (their own WebSocket and fetch).
 * A trial past its deadline ends the process (the harness starts a new one for the rest).
 *
 *   BENCH_TRIALS='[{"scenario":"ack",...}]' bun bench/loadgen/main.ts
 */
import { writeSync } from "node:fs";
import process from "node:process";
import { ackEcho, connectRate, fanOut, idleMemory, pollingAcks } from "./scenarios.ts";
import type { TrialConfig, TrialResult } from "./trial.ts";
import { sleep } from "./window.ts";

function run(config: TrialConfig): Promise<TrialResult> {
  switch (config.scenario) {
    case "ack":
      return ackEcho(config, false);
    case "binary":
      return ackEcho(config, true);
    case "fanout":
      return fanOut(config);
    case "connect":
      return connectRate(config);
    case "memory":
      return idleMemory(config);
    case "polling":
      return pollingAcks(config);
    case "scale":
      throw new Error("the scale scenario runs from bench/harness/scale.ts, not from here");
  }
}

/** Writes a result line synchronously, so that no exit can lose it. */
function report(index: number, body: unknown): void {
  writeSync(1, `RESULT ${index} ${JSON.stringify(body)}\n`);
}

function leave(code: number): void {
  process.exit(code);
}

const trials = JSON.parse(process.env.BENCH_TRIALS ?? "[]") as TrialConfig[];
if (trials.length === 0) {
  console.error("BENCH_TRIALS (a list of TrialConfig as JSON) is required");
  leave(2);
}
const gc = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc;
for (const [index, config] of trials.entries()) {
  gc?.(true);
  await sleep(config.settleMs);
  const deadline = setTimeout(() => {
    report(index, { error: `deadline of ${config.deadlineMs} ms passed` });
    leave(3);
  }, config.deadlineMs);
  try {
    report(index, await run(config));
  } catch (error) {
    report(index, { error: error instanceof Error ? error.message : String(error) });
  }
  clearTimeout(deadline);
}
leave(0);
