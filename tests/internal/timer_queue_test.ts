/** Many timers on one runtime timer: each runs once at its due time, in due order. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type QueuedTimer, TimerQueue } from "../../src/_internal/timer_queue.ts";

class Timer implements QueuedTimer {
  queueDue = 0;
  queue: TimerQueue | undefined = undefined;
  queuePrev: QueuedTimer | undefined = undefined;
  queueNext: QueuedTimer | undefined = undefined;
  constructor(readonly onDue: () => void) {}
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("TimerQueue", () => {
  it("runs timers in due order, whatever the order they were scheduled in", async () => {
    const queue = new TimerQueue();
    const ran: number[] = [];
    const now = Date.now();
    for (const delay of [30, 10, 20, 10, 40]) {
      queue.schedule(new Timer(() => ran.push(delay)), now + delay);
    }
    await sleep(80);
    assert.deepEqual(ran, [10, 10, 20, 30, 40]);
  });

  it("a cancelled or rescheduled timer does not run at its old time", async () => {
    const queue = new TimerQueue();
    const ran: string[] = [];
    const cancelled = new Timer(() => ran.push("cancelled"));
    const moved = new Timer(() => ran.push(`moved at ${Date.now() - start >= 45}`));
    const start = Date.now();
    queue.schedule(cancelled, start + 10);
    queue.schedule(moved, start + 10);
    queue.cancel(cancelled);
    queue.schedule(moved, start + 50);
    assert.equal(cancelled.queue, undefined);
    await sleep(90);
    assert.deepEqual(ran, ["moved at true"]);
  });

  it("a timer that throws does not stop the others; one that reschedules runs again", async () => {
    const queue = new TimerQueue();
    const ran: string[] = [];
    let rounds = 0;
    const again: Timer = new Timer(() => {
      ran.push("again");
      if (++rounds < 2) queue.schedule(again, Date.now() + 5);
    });
    const now = Date.now();
    queue.schedule(
      new Timer(() => {
        throw new Error("boom");
      }),
      now + 5,
    );
    queue.schedule(again, now + 5);
    queue.schedule(new Timer(() => ran.push("after")), now + 6);
    await sleep(60);
    assert.deepEqual(ran, ["again", "after", "again"]);
  });
});
