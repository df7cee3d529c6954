/** Runs trials in load-generator processes (bench/loadgen/main.ts on Bun, else Deno). */
import type { TrialConfig, TrialResult } from "../loadgen/trial.ts";
import { kill, outputRead, spawn } from "./children.ts";
import { ROOT, type Tools } from "./tools.ts";

/** A trial's outcome: its numbers, or why it has none. */
export type TrialOutcome = TrialResult | { error: string };

/** Which runtime runs the load generator. */
export type LoadgenRuntime = "bun" | "deno";

function loadgenCommand(tools: Tools, runtime: LoadgenRuntime): { cmd: string; args: string[] } {
  if (runtime === "bun" && tools.bun) return { cmd: tools.bun, args: ["bench/loadgen/main.ts"] };
  return { cmd: tools.deno, args: ["run", "-A", "bench/loadgen/main.ts"] };
}

/**
 * Runs `trials` in order, in as few load-generator processes as possible: when one dies or
 * gives up a trial past its deadline, the trial is recorded as failed and a new process
 * takes the rest. Every process is killed past the sum of its trials' deadlines.
 */
export async function runTrials(
  tools: Tools,
  runtime: LoadgenRuntime,
  trials: TrialConfig[],
  onResult: (index: number, outcome: TrialOutcome) => void,
): Promise<TrialOutcome[]> {
  const outcomes: (TrialOutcome | undefined)[] = new Array(trials.length);
  let from = 0;
  while (from < trials.length) {
    const batch = trials.slice(from);
    const offset = from;
    const tail: string[] = [];
    const { cmd, args } = loadgenCommand(tools, runtime);
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { BENCH_TRIALS: JSON.stringify(batch) },
      onStdout(line) {
        const match = /^RESULT (\d+) (.*)$/.exec(line);
        if (!match) return void remember(tail, line);
        const index = offset + Number(match[1]);
        const outcome = JSON.parse(match[2]) as TrialOutcome;
        outcomes[index] = outcome;
        onResult(index, outcome);
      },
      onStderr: (line) => remember(tail, line),
    });
    const budget = batch.reduce((sum, trial) => sum + trial.deadlineMs + trial.settleMs, 5000);
    const timer = setTimeout(() => kill(child), budget);
    const status = await child.status;
    clearTimeout(timer);
    await outputRead(child);
    let next = from;
    while (next < trials.length && outcomes[next] !== undefined) next++;
    if (next < trials.length) {
      const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
      const outcome = { error: `load generator exited (${how}): ${tail.slice(-5).join(" | ")}` };
      outcomes[next] = outcome;
      onResult(next, outcome);
      next++;
    }
    from = next;
  }
  return outcomes as TrialOutcome[];
}

function remember(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > 20) tail.shift();
}
