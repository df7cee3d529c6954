/**
 * Deep documents through the official socket.io-client against the fixture on each runtime:
 * a 48-level document (95 JSON levels, a tree or rich-text document) is echoed back whole in
 * every transport mode, while a 10,000-deep one closes only its own connection ("parse error")
 * and a bystander carries on.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import {
  fixtureCommand,
  type FixtureRuntime,
  type SpawnedFixture,
  spawnFixture,
} from "../_helpers/spawn_fixture.ts";
import { withTimeout } from "../_helpers/wait.ts";

type Node = { leaf: string } | { level: number; children: Node[] };

function nested(depth: number): Node {
  let doc: Node = { leaf: "ok" };
  for (let level = 0; level < depth - 1; level++) doc = { level, children: [doc] };
  return doc;
}

function connect(port: number, transports: string[]): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, { transports, reconnection: false });
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    5000,
    "connect",
  );
}

const modes = [["polling"], ["websocket"], ["polling", "websocket"]];

for (const runtime of ["deno", "bun"] as FixtureRuntime[]) {
  const skip = fixtureCommand(runtime) ? false : `${runtime} is not available`;
  describe(`deep documents, socket.io-client against the fixture on ${runtime}`, { skip }, () => {
    let fixture: SpawnedFixture;
    before(async () => {
      fixture = await spawnFixture(runtime);
    });
    after(() => fixture?.stop());

    for (const transports of modes) {
      it(`echoes a 48-level document (${transports.join(" then ")})`, async () => {
        const socket = await connect(fixture.port, transports);
        try {
          const document = nested(48);
          const echoed = await socket.timeout(5000).emitWithAck("echo", document);
          assert.deepEqual(echoed, document);
        } finally {
          socket.disconnect();
        }
      });
    }

    it("a 10,000-deep document closes only its own connection", async () => {
      const bystander = await connect(fixture.port, ["websocket"]);
      const attacker = await connect(fixture.port, ["websocket"]);
      try {
        const closed = withTimeout(
          new Promise((resolve) => attacker.once("disconnect", resolve)),
          5000,
          "the deep document's connection to close",
        );
        // written as raw text: the client's own encoder would overflow its stack on it
        const deep = "[".repeat(10_000) + "]".repeat(10_000);
        (attacker.io.engine as unknown as { write(text: string): void }).write(
          `42["echo",${deep}]`,
        );
        await closed;
        assert.deepEqual(
          await bystander.timeout(5000).emitWithAck("echo", "still here"),
          "still here",
        );
      } finally {
        attacker.disconnect();
        bystander.disconnect();
      }
    });
  });
}
