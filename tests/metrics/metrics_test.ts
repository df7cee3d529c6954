/**
 * Prometheus metrics of a running server, scraped over HTTP from the route an application
 * mounts (`app.get("/metrics", io.metrics.handler)`) while the official socket.io-client (and
 * raw clients, where a client must misbehave) drive it: off by default; each family moves as
 * it should; label values a peer chooses are escaped; a custom prefix and buckets; the bare
 * Engine.IO server's metrics; the socket.io-compatible Server's (`io.core.metrics`).
 */
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { Hono } from "hono";
import { createEngineServer } from "../../engine.ts";
import { Server } from "../../compat.ts";
import { createServer, defineGateway, type GatewaySocket, type ServerOptions } from "../../mod.ts";
import type { EngineServer } from "../../src/engine/server.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connect,
  connected,
  createClient,
  createManager,
  once,
  track,
  upgraded,
} from "../_helpers/socketio.ts";
import { emitForAck } from "../_helpers/gateway_server.ts";
import { handshake, poll, push, request } from "../_helpers/raw_client.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "../limits/_raw_ws.ts";
import { type ParsedFamily, parsePrometheus, sampleValue } from "./_prometheus.ts";
import { type MetricsServer, startMetricsServer } from "./_metrics_server.ts";

const events = {
  echo(socket: GatewaySocket, value: unknown) {
    socket.emit("echo", value);
    return "ok";
  },
  shout(socket: GatewaySocket, value: unknown) {
    socket.nsp.emit("shout", value);
  },
  async ask(socket: GatewaySocket, delay: number, timeout: number) {
    try {
      return await socket.timeout(timeout).emitWithAck("question", delay);
    } catch {
      return "timeout";
    }
  },
  greet(socket: GatewaySocket) {
    socket.emit("greeting", "hi");
  },
};

const gateways = [
  defineGateway({ namespace: "/", events }),
  defineGateway({ namespace: "/chat", events }),
];

const servers: MetricsServer[] = [];

async function serve(options: ServerOptions = {}): Promise<MetricsServer> {
  const server = await startMetricsServer({ gateways, metrics: true, ...options });
  servers.push(server);
  return server;
}

/** A sample's value, 0 when the series does not exist yet. */
function value(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  return sampleValue(families, name, labels) ?? 0;
}

/** Answers `question` after `delay` ms (never when negative). */
function answering(client: ClientSocket): ClientSocket {
  client.on("question", (delay: number, ack: (answer: string) => void) => {
    if (delay >= 0) setTimeout(() => ack("answer"), delay);
  });
  return client;
}

/** Sends a raw HTTP request over TCP and resolves with the status of the answer. */
function rawStatus(port: number, head: string): Promise<number> {
  const answered = new Promise<number>((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => socket.write(head));
    let received = "";
    socket.on("data", (chunk: Uint8Array) => {
      received += new TextDecoder().decode(chunk);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on("error", reject);
  });
  return withTimeout(answered, 3000, "the answer to a raw request");
}

async function cleanUp(): Promise<void> {
  await closeRawClients();
  await closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

describe("metrics: off by default", () => {
  it("the handler answers 404, text() is empty, and nothing is counted", async () => {
    const io = createServer({ gateways });
    assert.equal(io.metrics.enabled, false);
    assert.equal(io.metrics.text(), "");
    const app = new Hono();
    app.get("/metrics", io.metrics.handler);
    const response = await app.request("/metrics");
    assert.equal(response.status, 404);
    assert.match(await response.text(), /metrics: true/);
    assert.equal(io.of("/")._instruments.metrics, undefined);
    assert.equal((io.engine as EngineServer).counters, undefined);
    await io.close();
  });

  it("the bare Engine.IO server's too", () => {
    const engine = createEngineServer();
    assert.equal(engine.metrics.enabled, false);
    assert.equal(engine.metrics.handler().status, 404);
    engine.close();
  });
});

describe("metrics: on", () => {
  afterEach(cleanUp);
  after(cleanUp);

  it("the text parses: HELP and TYPE for every family, snake_case names with the prefix", async () => {
    const server = await serve();
    const families = await server.scrape();
    const names = [...families.keys()];
    for (const name of names) assert.match(name, /^socketio_[a-z_]+$/);
    const types = Object.fromEntries([...families].map(([name, f]) => [name, f.type]));
    assert.deepEqual(types, {
      socketio_engine_sessions: "gauge",
      socketio_engine_handshakes_total: "counter",
      socketio_engine_refusals_total: "counter",
      socketio_engine_upgrades_total: "counter",
      socketio_engine_received_bytes_total: "counter",
      socketio_engine_sent_bytes_total: "counter",
      socketio_engine_buffered_bytes: "gauge",
      socketio_engine_disconnections_total: "counter",
      socketio_sockets: "gauge",
      socketio_connections_total: "counter",
      socketio_connect_errors_total: "counter",
      socketio_events_received_total: "counter",
      socketio_events_sent_total: "counter",
      socketio_ack_duration_seconds: "histogram",
      socketio_ack_timeouts_total: "counter",
      socketio_rate_limited_events_total: "counter",
      socketio_slow_consumer_closes_total: "counter",
      socketio_slow_consumer_dropped_packets_total: "counter",
      socketio_recoveries_total: "counter",
      socketio_adapter_request_duration_seconds: "histogram",
      socketio_adapter_request_timeouts_total: "counter",
    });
    assert.equal(value(families, "socketio_sockets", { namespace: "/chat" }), 0);
    assert.equal(
      value(families, "socketio_ack_duration_seconds_bucket", { namespace: "/", le: "+Inf" }),
      0,
    );
    assert.equal(server.io.metrics.text(), await (await fetch(`${server.url}/metrics`)).text());
  });

  it("sessions by transport, sockets by namespace, handshakes, upgrades, disconnections", async () => {
    const server = await serve();
    const polling = await connect(server.url, { transports: ["polling"] });
    const websocket = await connect(server.url, { transports: ["websocket"] });
    const upgrading = await connect(server.url);
    await upgraded(upgrading);
    const chat = await connect(`${server.url}/chat`, { transports: ["websocket"] });
    let families = await server.scrape();
    assert.equal(value(families, "socketio_engine_sessions", { transport: "polling" }), 1);
    assert.equal(value(families, "socketio_engine_sessions", { transport: "websocket" }), 3);
    assert.equal(value(families, "socketio_sockets", { namespace: "/" }), 3);
    assert.equal(value(families, "socketio_sockets", { namespace: "/chat" }), 1);
    assert.equal(value(families, "socketio_engine_handshakes_total", { transport: "polling" }), 2);
    assert.equal(
      value(families, "socketio_engine_handshakes_total", { transport: "websocket" }),
      2,
    );
    assert.equal(value(families, "socketio_engine_upgrades_total"), 1);
    assert.equal(value(families, "socketio_connections_total", { namespace: "/" }), 3);
    assert.equal(value(families, "socketio_connections_total", { namespace: "/chat" }), 1);

    for (const client of [polling, websocket, upgrading, chat]) client.disconnect();
    await waitUntil(() => server.io.clientsCount === 0, "every session to close");
    families = await server.scrape();
    assert.equal(value(families, "socketio_engine_sessions", { transport: "polling" }), 0);
    assert.equal(value(families, "socketio_engine_sessions", { transport: "websocket" }), 0);
    assert.equal(value(families, "socketio_sockets", { namespace: "/" }), 0);
    const closed = families.get("socketio_engine_disconnections_total")!.samples;
    assert.equal(closed.reduce((sum, sample) => sum + sample.value, 0), 4, JSON.stringify(closed));
    assert.equal(value(families, "socketio_connections_total", { namespace: "/" }), 3);
  });

  it("events in and out by namespace, and bytes in and out", async () => {
    const server = await serve();
    const a = await connect(server.url, { transports: ["websocket"] });
    const b = await connect(server.url, { transports: ["websocket"] });
    const payload = "x".repeat(2000);
    const before = await server.scrape();
    for (let i = 0; i < 3; i++) assert.deepEqual(await emitForAck(a, "echo", [payload]), ["ok"]);
    const shouts = [collect(a, "shout"), collect(b, "shout")];
    a.emit("shout", payload);
    await Promise.all(shouts.map((shout) => shout.waitFor(1)));
    const after = await server.scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    assert.equal(delta("socketio_events_received_total", { namespace: "/" }), 4);
    // three echoes, and the shout to both sockets; acknowledgements are not events
    assert.equal(delta("socketio_events_sent_total", { namespace: "/" }), 5);
    assert.equal(delta("socketio_events_received_total", { namespace: "/chat" }), 0);
    const received = delta("socketio_engine_received_bytes_total");
    const sent = delta("socketio_engine_sent_bytes_total");
    assert.ok(received >= 4 * payload.length && received < 5 * payload.length, `in: ${received}`);
    assert.ok(sent >= 5 * payload.length && sent < 6 * payload.length, `out: ${sent}`);
  });

  it("acknowledgements from clients: a latency histogram and timeouts", async () => {
    const server = await serve();
    const a = answering(await connect(server.url, { transports: ["websocket"] }));
    const b = answering(await connect(server.url, { transports: ["websocket"] }));
    assert.deepEqual(await emitForAck(a, "ask", [60, 2000]), ["answer"]);
    assert.deepEqual(await emitForAck(a, "ask", [-1, 100]), ["timeout"]);
    let families = await server.scrape();
    const labels = { namespace: "/" };
    assert.equal(value(families, "socketio_ack_duration_seconds_count", labels), 1);
    const sum = value(families, "socketio_ack_duration_seconds_sum", labels);
    assert.ok(sum >= 0.05 && sum < 2, `sum ${sum}`);
    assert.equal(
      value(families, "socketio_ack_duration_seconds_bucket", { ...labels, le: "0.025" }),
      0,
    );
    assert.equal(
      value(families, "socketio_ack_duration_seconds_bucket", { ...labels, le: "10" }),
      1,
    );
    assert.equal(value(families, "socketio_ack_timeouts_total", labels), 1);

    // a broadcast with acknowledgements: one observation per client; b stays silent
    const responses = await server.io.timeout(300).emitWithAck("question", 0).catch((error) =>
      error.responses
    );
    assert.equal(responses.length, 2);
    b.off("question");
    b.on("question", () => {});
    await server.io.timeout(100).emitWithAck("question", 0).catch(() => {});
    // the silent socket's own timer (same 100 ms) may fire just after the broadcast's
    const deadline = Date.now() + 2000;
    do {
      families = await server.scrape();
      if (value(families, "socketio_ack_timeouts_total", labels) === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (Date.now() < deadline);
    assert.equal(value(families, "socketio_ack_duration_seconds_count", labels), 4);
    assert.equal(value(families, "socketio_ack_timeouts_total", labels), 2);
  });

  it("refused requests by status and Engine.IO code", async () => {
    const server = await serve({ maxConnections: 1 });
    const base = `${server.url}/socket.io/`;
    assert.equal((await request(`${base}?EIO=4&transport=polling&sid=nope`)).status, 400);
    assert.equal((await request(`${base}?EIO=4&transport=pigeon`)).status, 400);
    assert.equal((await request(`${base}?EIO=3&transport=polling`)).status, 400);
    const { client, response } = await RawWsClient.open(
      server.port,
      "/socket.io/?EIO=4&transport=websocket&sid=nope",
    );
    client.destroy();
    assert.equal(response.status, 400);
    const malformed = await rawStatus(
      server.port,
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\n" +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    );
    assert.equal(malformed, 400);
    await connect(server.url, { transports: ["websocket"] });
    assert.equal((await request(`${base}?EIO=4&transport=polling`)).status, 503);
    const families = await server.scrape();
    const refused = (status: string, code: string) =>
      value(families, "socketio_engine_refusals_total", { status, code });
    assert.equal(refused("400", "1"), 2, "unknown session ids");
    assert.equal(refused("400", "0"), 1, "unknown transport");
    assert.equal(refused("400", "5"), 1, "unsupported protocol");
    assert.equal(refused("503", "4"), 1, "server full");
    assert.equal(refused("400", ""), 1, "a malformed WebSocket handshake");
  });

  it("events the rate limit dropped, sockets it disconnected", async () => {
    const dropping = await serve({ rateLimit: { eventsPerSecond: 1, burst: 2, action: "drop" } });
    const client = await connect(dropping.url, { transports: ["websocket"] });
    for (let i = 0; i < 6; i++) client.emit("greet");
    await waitUntil(
      () => dropping.io.sockets.sockets.size === 1 && client.connected,
      "the events to arrive",
    );
    await sleep(100);
    let families = await dropping.scrape();
    assert.equal(value(families, "socketio_events_received_total", { namespace: "/" }), 6);
    const drops = value(families, "socketio_rate_limited_events_total", {
      namespace: "/",
      action: "drop",
    });
    assert.ok(drops >= 3 && drops <= 4, `dropped ${drops}`);

    const strict = await serve({
      rateLimit: { eventsPerSecond: 1, burst: 1, action: "disconnect" },
    });
    const rude = await connect(strict.url, { transports: ["websocket"] });
    const gone = once(rude, "disconnect");
    for (let i = 0; i < 3; i++) rude.emit("greet");
    await gone;
    families = await strict.scrape();
    assert.equal(
      value(families, "socketio_rate_limited_events_total", {
        namespace: "/",
        action: "disconnect",
      }),
      1,
    );
  });

  it("a stalled client: buffered bytes, volatile drops, then the slow-consumer close", {
    timeout: 30_000,
  }, async () => {
    const KiB = 1024;
    const server = await serve({
      slowConsumer: { maxBufferedBytes: 64 * KiB, hardLimitBytes: 256 * KiB },
    });
    const { client } = await RawWsClient.session(server.port, "/socket.io/");
    client.send("40");
    const sid = JSON.parse((await client.text()).slice(2)).sid;
    const socket = server.io.sockets.sockets.get(sid)!;
    client.stopReading();
    const message = "m".repeat(32 * KiB);
    // the kernel's buffers fill first; then what stays buffered after a pause is the server's
    for (let i = 0; i < 1000 && socket.bufferedAmount <= 64 * KiB; i++) {
      for (let j = 0; j < 4; j++) socket.emit("tick", message);
      await sleep(5);
    }
    assert.ok(socket.bufferedAmount > 64 * KiB, "over maxBufferedBytes");
    let families = await server.scrape();
    assert.ok(
      value(families, "socketio_engine_buffered_bytes") >= 64 * KiB,
      "the buffered bytes are seen",
    );
    for (let i = 0; i < 5; i++) socket.volatile.emit("tick", message);
    for (let i = 0; i < 100 && socket.connected; i++) socket.emit("tick", message);
    assert.equal(socket.connected, false, "closed at the hard limit");
    families = await server.scrape();
    assert.equal(value(families, "socketio_slow_consumer_dropped_packets_total"), 5);
    assert.equal(value(families, "socketio_slow_consumer_closes_total"), 1);
    assert.equal(
      value(families, "socketio_engine_disconnections_total", { reason: "forced close" }),
      1,
    );
    client.destroy();
  });

  it("connection state recovery: sessions recovered and missed", async () => {
    const server = await serve({ connectionStateRecovery: {} });
    const client = createClient(server.url, {
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
      randomizationFactor: 0,
    });
    await connected(client);
    const greeting = once(client, "greeting");
    client.emit("greet");
    await greeting; // the client now holds an offset
    server.io.sockets.sockets.get(client.id!)!.conn.close();
    await once(client, "disconnect");
    await once(client, "connect");
    assert.equal(client.recovered, true);
    const stranger = createClient(server.url, {
      transports: ["websocket"],
      auth: { pid: "unknown", offset: "unknown" },
    });
    await connected(stranger);
    assert.equal(stranger.recovered, false);
    const families = await server.scrape();
    const outcome = (result: string) =>
      value(families, "socketio_recoveries_total", { namespace: "/", result });
    assert.equal(outcome("recovered"), 1);
    assert.equal(outcome("missed"), 1);
    assert.equal(value(families, "socketio_connections_total", { namespace: "/" }), 3);
  });

  it("connect errors: a middleware refusing a namespace", async () => {
    const server = await serve();
    server.io.of("/chat").use((_socket, next) => next(new Error("not today")));
    const refused = createClient(`${server.url}/chat`, { transports: ["websocket"] });
    await assert.rejects(connected(refused), /not today/);
    const families = await server.scrape();
    assert.equal(value(families, "socketio_connect_errors_total", { namespace: "/chat" }), 1);
    assert.equal(value(families, "socketio_connections_total", { namespace: "/chat" }), 0);
  });

  it("label values a peer chooses (namespace names) are escaped, and read back the same", async () => {
    const server = await serve();
    server.io.of(/^\/dyn-/);
    const named = 'server"side\\\nname';
    server.io.of(`/${named}`);
    const manager = createManager(server.url, { transports: ["websocket"] });
    const hostile = '/dyn-"quoted"\\slash{x=1}';
    const socket = track(manager.socket(hostile));
    await connected(socket);
    const text = server.io.metrics.text();
    assert.ok(text.includes('namespace="/dyn-\\"quoted\\"\\\\slash{x=1}"'), text);
    assert.ok(text.includes('namespace="/server\\"side\\\\\\nname"'), text);
    const families = parsePrometheus(text);
    assert.equal(value(families, "socketio_sockets", { namespace: hostile }), 1);
    assert.equal(value(families, "socketio_sockets", { namespace: `/${named}` }), 0);
  });

  it("a custom prefix and custom buckets", async () => {
    const server = await serve({ metrics: { prefix: "chat_", buckets: [0.5, 1] } });
    const client = answering(await connect(server.url, { transports: ["websocket"] }));
    assert.deepEqual(await emitForAck(client, "ask", [0, 1000]), ["answer"]);
    const families = await server.scrape();
    for (const name of families.keys()) assert.match(name, /^chat_/);
    const buckets = families.get("chat_ack_duration_seconds")!.samples
      .filter((s) => s.name === "chat_ack_duration_seconds_bucket" && s.labels.namespace === "/")
      .map((s) => [s.labels.le, s.value]);
    assert.deepEqual(buckets, [["0.5", 1], ["1", 1], ["+Inf", 1]]);
  });
});

describe("metrics: the bare Engine.IO server and the compat Server", () => {
  after(cleanUp);

  it("createEngineServer({ metrics: true }) counts its sessions and bytes", async () => {
    const { serveOnAnyRuntime } = await import("../fixtures/serve_any.ts");
    const engine = createEngineServer({ metrics: true });
    engine.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: engine.fetch,
      websocket: engine.websocket,
    });
    try {
      const base = `http://127.0.0.1:${running.port}/engine.io/`;
      const { sid } = await handshake(base);
      await push(base, sid, "4" + "y".repeat(500));
      const echoed = await poll(base, sid);
      assert.match(echoed.body, /^4y{500}$/);
      const families = parsePrometheus(engine.metrics.text());
      assert.equal(value(families, "socketio_engine_sessions", { transport: "polling" }), 1);
      assert.equal(
        value(families, "socketio_engine_handshakes_total", { transport: "polling" }),
        1,
      );
      assert.ok(value(families, "socketio_engine_received_bytes_total") >= 501);
      assert.ok(value(families, "socketio_engine_sent_bytes_total") >= 501);
      assert.equal(families.has("socketio_sockets"), false, "no Socket.IO families");
    } finally {
      engine.close();
      await running.close();
    }
  });

  it("the compat Server passes metrics on: io.core.metrics", async () => {
    const io = new Server({ metrics: true });
    const families = parsePrometheus(io.core.metrics.text());
    assert.equal(value(families, "socketio_sockets", { namespace: "/" }), 0);
    await io.close();
    const plain = new Server();
    assert.equal(plain.core.metrics.enabled, false);
    await plain.close();
  });
});
