/**
 * `export default io` served by the runtime itself: `deno serve` and `bun run`. Each is a child
 * process; the real socket.io-client connects over polling, upgrades, and gets acks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { io as connect } from "socket.io-client";
import { withTimeout } from "../_helpers/wait.ts";

const ENTRY = "examples/echo/serve.ts";
const processEnv = (globalThis as unknown as { process: { env: Record<string, string> } })
  .process.env;

const entrypoints: { name: string; command: string[] }[] = [
  {
    name: "deno serve",
    command: ["deno", "serve", "-A", "--host", "127.0.0.1", "--port", "0", ENTRY],
  },
  { name: "bun run", command: ["bun", "run", ENTRY] },
];

async function start(command: string[]) {
  const child = spawn(command[0], command.slice(1), {
    env: { ...processEnv, PORT: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      const onData = (chunk: Uint8Array) => {
        output += new TextDecoder().decode(chunk);
        const match = /https?:\/\/[^\s/]+:(\d+)/.exec(output);
        if (match && match[1] !== "0") resolve(Number(match[1]));
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`exited (${code}): ${output}`)));
    }),
    20_000,
    `${command.join(" ")} to listen`,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      await withTimeout(exited, 5000, "exit").catch(() => child.kill("SIGKILL"));
    },
  };
}

describe("export default io", () => {
  for (const { name, command } of entrypoints) {
    it(`is served by ${name}`, { timeout: 30_000 }, async () => {
      const server = await start(command);
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
