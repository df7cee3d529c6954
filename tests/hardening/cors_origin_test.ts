/**
 * CORS over real HTTP on 127.0.0.1, and the Origin check of handshakes: a browser-like
 * preflight then requests; the `origin` forms that used to answer 500; WebSocket handshakes
 * and upgrades (raw TCP, so the Origin header is exactly what a hostile page's browser sends)
 * and polling handshakes from an Origin that `cors.origin` does not allow get 403; requests
 * without an Origin, from the server's own host, or from an allowed origin still connect, with
 * socket.io-client in every transport mode.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type ServerOptions } from "../../mod.ts";
import { type GatewayServer, nextEvent, serveGateways } from "../_helpers/gateway_server.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { headEnd, RawTcp, statusOf, upgradeRequest } from "./_raw_tcp.ts";

const APP = "https://app.test";
const EVIL = "https://evil.test";
const FORBIDDEN = { code: 4, message: "Forbidden" };
const gateway = defineGateway({ events: { ping: () => "pong" } });

/** `url` + the Engine.IO path and query. */
function engineUrl(server: GatewayServer, query: string): string {
  return `${server.url}/socket.io/?EIO=4&${query}`;
}

/** A raw WebSocket handshake with `origin` (if any); the status and body of the answer. */
async function rawWebSocket(
  server: GatewayServer,
  origin: string | null,
  query = "transport=websocket",
): Promise<{ status: number | undefined; body: string }> {
  const port = Number(new URL(server.url).port);
  const tcp = await RawTcp.open(port);
  try {
    const header = origin === null ? "" : `Origin: ${origin}\r\n`;
    await tcp.write(upgradeRequest(port, `/socket.io/?EIO=4&${query}`, header));
    await tcp.until((bytes) => headEnd(bytes) > 0);
    const status = statusOf(tcp.peek());
    const bodyOf = (all: Uint8Array) => new TextDecoder().decode(all.subarray(headEnd(all)));
    if (status !== 101) await tcp.until((all) => bodyOf(all).endsWith("}"), 1000);
    return { status, body: bodyOf(tcp.peek()) };
  } finally {
    tcp.reset();
  }
}

/** A polling handshake with `origin` (if any). */
async function pollingHandshake(server: GatewayServer, origin: string | null) {
  const headers: Record<string, string> = origin === null ? {} : { Origin: origin };
  const reply = await fetch(engineUrl(server, "transport=polling"), { headers });
  const body = await reply.text();
  return { reply, body };
}

function sidOf(body: string): string {
  return JSON.parse(body.slice(1)).sid;
}

describe("cors: a browser-like preflight, then requests, over HTTP", () => {
  let server: GatewayServer;
  before(async () => {
    server = await serveGateways([gateway], {
      cors: { origin: [APP, /\.trusted\.test$/], credentials: true, exposedHeaders: "x-id" },
    });
  });
  after(async () => await server.close());

  it("answers the preflight with the cors package's headers", async () => {
    const reply = await fetch(engineUrl(server, "transport=polling"), {
      method: "OPTIONS",
      headers: {
        Origin: APP,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    await reply.body?.cancel();
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get("access-control-allow-origin"), APP);
    assert.equal(reply.headers.get("access-control-allow-credentials"), "true");
    assert.equal(
      reply.headers.get("access-control-allow-methods"),
      "GET,HEAD,PUT,PATCH,POST,DELETE",
    );
    assert.equal(reply.headers.get("access-control-allow-headers"), "content-type");
    assert.equal(reply.headers.get("vary"), "Origin, Access-Control-Request-Headers");
    assert.equal(server.io.engine.clientsCount, 0);
  });

  it("the handshake and POST carry the origin, credentials and exposed headers", async () => {
    const origin = "https://a.trusted.test";
    const { reply, body } = await pollingHandshake(server, origin);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("access-control-allow-origin"), origin);
    assert.equal(reply.headers.get("access-control-allow-credentials"), "true");
    assert.equal(reply.headers.get("access-control-expose-headers"), "x-id");
    assert.match(reply.headers.get("vary") ?? "", /Origin/);
    const posted = await fetch(engineUrl(server, `transport=polling&sid=${sidOf(body)}`), {
      method: "POST",
      body: "40",
      headers: { Origin: origin, "Content-Type": "text/plain" },
    });
    assert.equal(await posted.text(), "ok");
    assert.equal(posted.headers.get("access-control-allow-origin"), origin);
  });

  it("a preflight from another origin gets no Access-Control-Allow-Origin", async () => {
    const reply = await fetch(engineUrl(server, "transport=polling"), {
      method: "OPTIONS",
      headers: { Origin: EVIL, "Access-Control-Request-Method": "POST" },
    });
    await reply.body?.cancel();
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get("access-control-allow-origin"), null);
  });
});

describe("cors: the origin forms that used to answer 500", () => {
  const forms: [string, ServerOptions["cors"]][] = [
    ["true", { origin: true }],
    ["a RegExp", { origin: /^https:\/\/app\.test$/ }],
    ["a list with a RegExp", { origin: ["https://other.test", /app\.test$/] }],
    ["an async function", { origin: (origin: string) => Promise.resolve(origin === APP) }],
    ["a callback", { origin: (_origin, callback) => callback(null, true) }],
    ["Hono's names", { origin: APP, allowMethods: ["GET", "POST"], allowHeaders: ["x-a"] }],
  ];
  for (const [name, cors] of forms) {
    it(name, async () => {
      const server = await serveGateways([gateway], { cors });
      try {
        const { reply } = await pollingHandshake(server, APP);
        assert.equal(reply.status, 200);
        assert.equal(reply.headers.get("access-control-allow-origin"), APP);
        const preflight = await fetch(engineUrl(server, "transport=polling"), {
          method: "OPTIONS",
          headers: { Origin: APP, "Access-Control-Request-Method": "POST" },
        });
        await preflight.body?.cancel();
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get("access-control-allow-origin"), APP);
        if (name === "Hono's names") {
          assert.equal(preflight.headers.get("access-control-allow-methods"), "GET,POST");
          assert.equal(preflight.headers.get("access-control-allow-headers"), "x-a");
        }
      } finally {
        await server.close();
      }
    });
  }
});

describe("cors: handshakes from an Origin that cors.origin does not allow", () => {
  let server: GatewayServer;
  before(async () => {
    server = await serveGateways([gateway], { cors: { origin: [APP], credentials: true } });
  });
  after(async () => await server.close());

  it("a WebSocket handshake from another origin gets 403 and opens no session", async () => {
    const { status, body } = await rawWebSocket(server, EVIL);
    assert.equal(status, 403);
    assert.deepEqual(JSON.parse(body), FORBIDDEN);
    assert.equal(server.io.engine.clientsCount, 0);
  });

  it("a polling handshake from another origin gets 403", async () => {
    const { reply, body } = await pollingHandshake(server, EVIL);
    assert.equal(reply.status, 403);
    assert.deepEqual(JSON.parse(body), FORBIDDEN);
    assert.equal(reply.headers.get("access-control-allow-origin"), null);
    assert.equal(server.io.engine.clientsCount, 0);
  });

  it("an upgrade of a session from another origin gets 403", async () => {
    const { body } = await pollingHandshake(server, null);
    const sid = sidOf(body);
    const { status, body: refused } = await rawWebSocket(
      server,
      EVIL,
      `transport=websocket&sid=${sid}`,
    );
    assert.equal(status, 403);
    assert.deepEqual(JSON.parse(refused), FORBIDDEN);
  });

  it("the allowed origin, no Origin, and this server's own host are let through", async () => {
    const own = server.url; // http://127.0.0.1:<port>, the Host the request names
    for (const origin of [APP, null, own]) {
      const { status } = await rawWebSocket(server, origin);
      assert.equal(status, 101, `WebSocket from ${origin}`);
      const { reply } = await pollingHandshake(server, origin);
      assert.equal(reply.status, 200, `polling from ${origin}`);
    }
  });

  it("an origin that only starts like the allowed one is refused", async () => {
    for (const origin of [`${APP}.evil.test`, "null", `${APP}:8443`]) {
      assert.equal((await rawWebSocket(server, origin)).status, 403, origin);
    }
  });
});

describe("cors: the Origin check follows cors.origin and its opt-out", () => {
  const cases: [string, ServerOptions, number][] = [
    ["origin '*' checks nothing", { cors: { origin: "*" } }, 101],
    ["origin true checks nothing", { cors: { origin: true } }, 101],
    ["no cors checks nothing", {}, 101],
    ["enforceCorsOrigin: false", { cors: { origin: [APP] }, enforceCorsOrigin: false }, 101],
    ["origin false refuses other origins", { cors: { origin: false } }, 403],
    ["a function that says no", { cors: { origin: (o: string) => o === APP } }, 403],
    [
      "a callback that fails",
      { cors: { origin: (_o, callback) => callback(new Error("down")) } },
      403,
    ],
  ];
  for (const [name, options, expected] of cases) {
    it(name, async () => {
      const server = await serveGateways([gateway], options);
      try {
        assert.equal((await rawWebSocket(server, EVIL)).status, expected);
      } finally {
        await server.close();
      }
    });
  }
});

describe("cors: socket.io-client from an allowed origin, every transport mode", () => {
  let server: GatewayServer;
  before(async () => {
    server = await serveGateways([gateway], { cors: { origin: [APP], credentials: true } });
  });
  after(async () => await server.close());

  const modes: [string, ("polling" | "websocket")[]][] = [
    ["WebSocket only", ["websocket"]],
    ["polling only", ["polling"]],
    ["polling, then the upgrade", ["polling", "websocket"]],
  ];
  for (const [name, transports] of modes) {
    it(name, async () => {
      const socket = server.client("/", { transports, extraHeaders: { Origin: APP } });
      await nextEvent(socket, "connect");
      if (transports.length === 2) {
        // the upgrade may be done before "connect" is seen
        await waitUntil(() => socket.io.engine.transport.name === "websocket", "the upgrade");
      }
      assert.equal(await socket.timeout(2000).emitWithAck("ping"), "pong");
      socket.disconnect();
    });
  }

  it("from another origin, connect_error", async () => {
    for (const transports of [["websocket"], ["polling"]] as const) {
      const socket = server.client("/", {
        transports: [...transports],
        extraHeaders: { Origin: EVIL },
      });
      await nextEvent(socket, "connect_error");
      socket.disconnect();
    }
  });
});
