/**
 * The short soak (tests/soak/soak.ts): 300 connect / emit-with-ack / disconnect cycles over
 * mixed transports, some ending abruptly, against the fixture in a child process on the runtime
 * running the tests. `/__stats` must return to zero and the server's live heap must not grow
 * (300 cycles are too few for the 1 MB per 1,000 cycles RSS budget to rise above noise, so RSS
 * only gets a coarse bound here; `deno task soak` runs the long one).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildServer } from "../hardening/_child.ts";
import { runSoak, spawnSoakServer, verdict } from "./soak.ts";

describe("short soak", () => {
  let child: ChildServer;
  before(async () => {
    child = await spawnSoakServer();
  });
  after(async () => {
    await child?.stop();
  });

  it("300 mixed cycles leave no client, socket or heap behind", { timeout: 40_000 }, async () => {
    const report = await runSoak(child, { warmup: 100, cycles: 200, maxSeconds: 25 });
    const problems = verdict(report, { rssMb: 48, heapMb: 1 });
    assert.deepEqual(problems, [], JSON.stringify(report, null, 2));
    assert.equal(report.cycles, 300);
    assert.ok(child.alive());
  });
});
