/**
 * examples/deploy as a deploy runs it: the example in a child process (Deno, Bun, and Node when
 * SIO_TSX_LOADER names the tsx loader) gets SIGTERM while one of its handlers is running; its
 * readiness probe turns 503 at once, the handler's acknowledgement still reaches the client,
 * the client sees its transport close, and the process exits with code 0.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { type ChildServer, spawnChild } from "../hardening/_child.ts";
import { closeSockets, connect, nextEvent } from "./example_process.ts";
import { sleep, withTimeout } from "../_helpers/wait.ts";

const RUNTIMES = ["deno", "bun", ...(process.env.SIO_TSX_LOADER ? ["node" as const] : [])] as const;

describe("examples/deploy: SIGTERM", () => {
  const children: ChildServer[] = [];
  after(async () => {
    closeSockets();
    for (const child of children) await child.stop();
  });

  for (const runtime of RUNTIMES) {
    it(`drains, delivers the running handler's acknowledgement, and exits 0 (${runtime})`, {
      timeout: 30_000,
    }, async () => {
      const child = await spawnChild({ script: "examples/deploy/main.ts", runtime });
      children.push(child);
      const probe = async () => {
        const response = await fetch(`${child.url}/readyz`);
        return { status: response.status, body: await response.json() };
      };
      assert.deepEqual(await probe(), { status: 200, body: { status: "running", sessions: 0 } });

      const client = await connect(child.url, { transports: ["websocket"] });
      assert.equal((await client.timeout(3000).emitWithAck("join", "jobs")).room, "jobs");
      const closed = nextEvent<[string]>(client, "disconnect", 10_000);
      const job = client.timeout(10_000).emitWithAck("work", { id: "j1", ms: 1500 });
      await sleep(200); // the job is running on the server
      child.signal("SIGTERM");

      // bounded: 100 probes at most, while the job still runs
      let unready: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 100 && unready === undefined; i++) {
        const answer = await probe().catch(() => undefined);
        if (answer?.status === 503) unready = answer;
        else await sleep(20);
      }
      assert.deepEqual(unready, { status: 503, body: { status: "draining", sessions: 1 } });

      const ack = await job;
      assert.equal(ack.id, "j1");
      assert.match(ack.node, new RegExp(`^${runtime}-`));
      assert.equal((await closed)[0], "transport close");
      const exit = await withTimeout(child.exited, 10_000, "the example to exit");
      assert.deepEqual(exit, { code: 0, signal: null }, child.output());
      assert.match(child.output(), /SIGTERM: draining[\s\S]*drained; exiting/);
    });
  }
});
