/**
 * Mounting into an existing Hono app with `io.attach(app)`: the app's middlewares run before
 * the handshake (and can refuse it), and what they `c.set` is in `socket.handshake.vars`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { io as connect, type Socket } from "socket.io-client";
import { createServer, defineGateway } from "../../mod.ts";
import { type RunningServer, serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { waitUntil, withTimeout } from "../_helpers/wait.ts";

type Vars = { Variables: { user: string } };

describe("io.attach(app) on an existing Hono app", () => {
  let running: RunningServer;
  let url: string;
  const io = createServer({
    gateways: [defineGateway({
      connect(socket) {
        socket.emit("welcome", socket.handshake.vars.user ?? null);
      },
      events: { whoami: (socket) => socket.handshake.vars.user },
    })],
  });

  before(async () => {
    const app = new Hono<Vars>();
    app.get("/health", (c) => c.text("ok"));
    app.use("/socket.io/*", async (c, next) => {
      const user = c.req.header("x-user") ?? c.req.query("user");
      if (!user) return c.json({ error: "who are you?" }, 401);
      c.set("user", user);
      await next();
    });
    io.attach(app);
    running = await serveOnAnyRuntime({
      port: 0,
      fetch: (request, env) => app.fetch(request, env),
      websocket: io.websocket,
    });
    url = `http://127.0.0.1:${running.port}`;
  });

  after(async () => {
    await io.close();
    await running?.close();
  });

  for (const transports of [["polling"], ["websocket"]] as const) {
    it(`passes c.set values to the socket's handshake (${transports[0]})`, async () => {
      const client: Socket = connect(url, {
        forceNew: true,
        reconnection: false,
        transports: [...transports],
        query: { user: "alice" },
      });
      try {
        const welcome = await withTimeout(
          new Promise((resolve) => client.once("welcome", resolve)),
          3000,
          "welcome",
        );
        assert.equal(welcome, "alice");
        assert.equal(await client.timeout(3000).emitWithAck("whoami"), "alice");
      } finally {
        client.close();
      }
    });
  }

  it("lets the app's middleware refuse the handshake before Engine.IO sees it", async () => {
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: "who are you?" });
    // the earlier tests' clients close asynchronously; the refused request opened nothing
    await waitUntil(() => io.clientsCount === 0, "earlier sessions to close");
  });

  it("keeps the app's own routes", async () => {
    const response = await fetch(`${url}/health`);
    assert.equal(await response.text(), "ok");
  });
});
