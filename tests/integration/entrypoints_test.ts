/**
 * `export default io` served by the runtime itself: `deno serve` and `bun run`. Each is a child
 * process; the real socket.io-client connects over polling, upgrades, and gets acks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io as connect } from "socket.io-client";
import { spawnServer } from "../_helpers/spawn_fixture.ts";
import { withTimeout } from "../_helpers/wait.ts";

const ENTRY = "examples/echo/serve.ts";

const entrypoints: { name: string; command: string[] }[] = [
  {
    name: "deno serve",
    command: ["deno", "serve", "-A", "--host", "127.0.0.1", "--port", "0", ENTRY],
  },
  { name: "bun run", command: ["bun", "run", ENTRY] },
];

describe("export default io", () => {
  for (const { name, command } of entrypoints) {
    it(`is served by ${name}`, { timeout: 30_000 }, async () => {
      const server = await spawnServer(command);
      const client = connect(`http://127.0.0.1:${server.port}`, {
        forceNew: true,
        reconnection: false,
      });
      try {
        await withTimeout(
          new Promise<void>((resolve) => client.once("connect", () => resolve())),
          5000,
          "connect",
        );
        assert.equal(
          await client.timeout(3000).emitWithAck("echo", "over polling"),
          "over polling",
        );
        await withTimeout(
          new Promise<void>((resolve) => {
            if (client.io.engine.transport.name === "websocket") resolve();
            else client.io.engine.once("upgrade", () => resolve());
          }),
          5000,
          "upgrade",
        );
        assert.equal(await client.timeout(3000).emitWithAck("echo", "over ws"), "over ws");
      } finally {
        client.close();
        await server.stop();
      }
    });
  }
});
