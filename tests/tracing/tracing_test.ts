/**
 * OpenTelemetry spans, exported in memory by a provider built here from
 * @opentelemetry/sdk-trace-base, while socket.io-client drives a real server: one span per
 * handled event (gateway handler, `socket.on` listener) with its attributes, spans of the
 * acknowledgements the server awaits, the parent taken from a `traceparent` in the CONNECT
 * auth or in the handshake's headers (malformed ones ignored), and none without a provider.
 */
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { defineGateway, type GatewaySocket, type ServerOptions } from "../../mod.ts";
import { registeredProvider, resolveTracer } from "../../src/telemetry/tracer.ts";
import { parseTraceparent } from "../../src/telemetry/trace_context.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { emitForAck } from "../_helpers/gateway_server.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const OTHER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const OTHER_TRACEPARENT = `00-${OTHER_TRACE_ID}-b7ad6b7169203331-01`;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const gateway = defineGateway({
  connect(socket) {
    socket.on("listened", (value, ack) => (ack as ((reply: unknown) => void) | undefined)?.(value));
  },
  events: {
    hello(_socket: GatewaySocket, name: string) {
      return `hello ${name}`;
    },
    async slow(_socket: GatewaySocket, ms: number) {
      await sleep(ms);
    },
    async ask(socket: GatewaySocket, timeout: number) {
      try {
        return await socket.timeout(timeout).emitWithAck("question");
      } catch {
        return "timeout";
      }
    },
    broken() {
      throw new Error("handler failed");
    },
    async brokenLater() {
      await sleep(5);
      throw new Error("failed later");
    },
  },
});

async function serve(options: ServerOptions = {}): Promise<TestServer> {
  return await startServer({
    gateways: [gateway],
    tracing: { tracerProvider: provider },
    ...options,
  });
}

function spans(name?: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name);
}

async function spanNamed(name: string): Promise<ReadableSpan> {
  await waitUntil(() => spans(name).length > 0, `a span "${name}"`);
  return spans(name)[0];
}

function durationMs(span: ReadableSpan): number {
  return span.duration[0] * 1000 + span.duration[1] / 1e6;
}

describe("tracing: spans of events and acknowledgements", () => {
  afterEach(async () => {
    await closeAll();
    exporter.reset();
  });
  after(closeAll);

  it("a span per handled event, with namespace, event, socket id and transport", async () => {
    const server = await serve();
    const client = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emitForAck(client, "hello", ["ada"]), ["hello ada"]);
    assert.deepEqual(await emitForAck(client, "listened", [7]), [7]);
    const hello = await spanNamed("socket.io event hello");
    assert.equal(hello.kind, SpanKind.CONSUMER);
    assert.equal(hello.ended, true);
    assert.deepEqual(hello.attributes, {
      "messaging.system": "socket.io",
      "messaging.destination.name": "/",
      "messaging.operation.type": "process",
      "socket.io.namespace": "/",
      "socket.io.event": "hello",
      "socket.io.socket.id": client.id,
      "socket.io.transport": "websocket",
      "socket.io.ack": true,
    });
    assert.equal(hello.instrumentationScope.name, "sio-gateway");
    assert.equal(hello.parentSpanContext, undefined, "no trace context given: a new trace");
    const listened = await spanNamed("socket.io event listened");
    assert.equal(listened.attributes["socket.io.event"], "listened");
  });

  it("an event no handler or listener takes makes no span", async () => {
    const server = await serve();
    const client = await connect(server.url, { transports: ["polling"] });
    client.emit("nobody-listens", 1);
    assert.deepEqual(await emitForAck(client, "hello", ["x"]), ["hello x"]);
    const hello = await spanNamed("socket.io event hello");
    assert.equal(hello.attributes["socket.io.transport"], "polling");
    assert.deepEqual(spans().map((span) => span.name), ["socket.io event hello"]);
  });

  it("an asynchronous handler's span ends when the handler has finished", async () => {
    const server = await serve();
    const client = await connect(server.url, { transports: ["websocket"] });
    client.emit("slow", 80);
    const slow = await spanNamed("socket.io event slow");
    assert.ok(durationMs(slow) >= 70, `${durationMs(slow)} ms`);
    assert.equal(slow.attributes["socket.io.ack"], false);
  });

  it("a handler that fails: its span is marked failed, with the exception", async () => {
    const server = await serve();
    const client = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emitForAck(client, "broken", []), [{ error: "handler failed" }]);
    assert.deepEqual(await emitForAck(client, "brokenLater", []), [{ error: "failed later" }]);
    client.emit("brokenLater"); // no acknowledgement asked: the span still sees the failure
    await waitUntil(() => spans("socket.io event brokenLater").length === 2, "both spans");
    const failed = [...spans("socket.io event broken"), ...spans("socket.io event brokenLater")];
    for (const span of failed) {
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.match(span.status.message ?? "", /^(handler failed|failed later)$/);
      assert.equal(span.events[0]?.name, "exception");
    }
    const hello = await emitForAck(client, "hello", ["fine"]);
    assert.deepEqual(hello, ["hello fine"]);
    assert.equal((await spanNamed("socket.io event hello")).status.code, SpanStatusCode.UNSET);
  });

  it("the parent is the traceparent of the CONNECT auth (with its tracestate)", async () => {
    const server = await serve();
    const client = await connect(server.url, {
      transports: ["websocket"],
      auth: { traceparent: TRACEPARENT, tracestate: "vendor=value" },
    });
    await emitForAck(client, "hello", ["ada"]);
    const hello = await spanNamed("socket.io event hello");
    assert.equal(hello.spanContext().traceId, TRACE_ID);
    assert.equal(hello.parentSpanContext?.spanId, SPAN_ID);
    assert.equal(hello.parentSpanContext?.isRemote, true);
    assert.equal(hello.spanContext().traceState?.get("vendor"), "value");
  });

  it("else the traceparent of the handshake's HTTP headers; the auth's wins over them", async () => {
    const server = await serve();
    const fromHeaders = await connect(server.url, {
      transports: ["polling"],
      extraHeaders: { traceparent: TRACEPARENT },
    });
    await emitForAck(fromHeaders, "hello", ["h"]);
    const both = await connect(server.url, {
      transports: ["polling"],
      extraHeaders: { traceparent: TRACEPARENT },
      auth: { traceparent: OTHER_TRACEPARENT },
    });
    await emitForAck(both, "hello", ["b"]);
    await waitUntil(() => spans("socket.io event hello").length === 2, "two hello spans");
    const bySocket = (client: ClientSocket) =>
      spans("socket.io event hello").find((s) =>
        s.attributes["socket.io.socket.id"] === client.id
      )!;
    assert.equal(bySocket(fromHeaders).spanContext().traceId, TRACE_ID);
    assert.equal(bySocket(fromHeaders).parentSpanContext?.spanId, SPAN_ID);
    assert.equal(bySocket(both).spanContext().traceId, OTHER_TRACE_ID);
  });

  it("malformed trace context from a peer is ignored: a new trace, the socket unharmed", async () => {
    const server = await serve();
    const bad: unknown[] = [
      "garbage",
      `00-${"0".repeat(32)}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${"0".repeat(16)}-01`,
      `ff-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      "x".repeat(100_000),
      42,
      { traceId: TRACE_ID },
      ["a"],
    ];
    for (const traceparent of bad) {
      const client = await connect(server.url, {
        transports: ["websocket"],
        auth: { traceparent, tracestate: "=,=".repeat(1000) },
      });
      assert.deepEqual(await emitForAck(client, "hello", ["z"]), ["hello z"]);
      client.disconnect();
    }
    await waitUntil(() => spans().length === bad.length, "a span per client");
    for (const span of spans()) {
      assert.equal(span.parentSpanContext, undefined);
      assert.notEqual(span.spanContext().traceId, TRACE_ID);
    }
    const later = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emitForAck(later, "hello", ["ok"]), ["hello ok"]);
  });

  it("an acknowledgement the server awaits: a span, ended on the answer or failed on timeout", async () => {
    const server = await serve();
    const client = await connect(server.url, {
      transports: ["websocket"],
      auth: { traceparent: TRACEPARENT },
    });
    let answer = true;
    client.on("question", (ack: (reply: string) => void) => {
      if (answer) ack("yes");
    });
    assert.deepEqual(await emitForAck(client, "ask", [1000]), ["yes"]);
    answer = false;
    assert.deepEqual(await emitForAck(client, "ask", [50]), ["timeout"]);
    await waitUntil(() => spans("socket.io ack question").length === 2, "two ack spans");
    const [answered, timedOut] = spans("socket.io ack question");
    assert.equal(answered.kind, SpanKind.CLIENT);
    assert.equal(answered.status.code, SpanStatusCode.UNSET);
    assert.equal(answered.attributes["socket.io.event"], "question");
    assert.equal(answered.attributes["socket.io.socket.id"], client.id);
    assert.equal(typeof answered.attributes["socket.io.ack.id"], "number");
    assert.equal(answered.spanContext().traceId, TRACE_ID, "joined to the client's trace");
    assert.equal(timedOut.status.code, SpanStatusCode.ERROR);
    assert.equal(timedOut.status.message, "operation has timed out");

    // a broadcast with acknowledgements: one span per socket; a disconnection fails it
    answer = true;
    await server.io.timeout(1000).emitWithAck("question");
    await waitUntil(() => spans("socket.io ack question").length === 3, "the broadcast's span");
    answer = false;
    const pending = server.io.sockets.sockets.get(client.id!)!.emitWithAck("question");
    pending.catch(() => {});
    client.disconnect();
    await waitUntil(() => spans("socket.io ack question").length === 4, "the abandoned one");
    assert.equal(spans("socket.io ack question")[3].status.message, "socket disconnected");
  });
});

describe("tracing: no provider, no spans", () => {
  after(async () => {
    trace.disable();
    await closeAll();
  });

  it("without a registered provider the server makes no span and no context", async () => {
    assert.equal(registeredProvider(), undefined);
    assert.equal(resolveTracer(true), undefined);
    const server = await startServer({ gateways: [gateway] });
    assert.equal(server.io.of("/")._instruments.tracing, undefined);
    const client = await connect(server.url, {
      transports: ["websocket"],
      auth: { traceparent: TRACEPARENT },
    });
    assert.deepEqual(await emitForAck(client, "hello", ["n"]), ["hello n"]);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  it("a provider registered globally before createServer is used; tracing: false turns it off", async () => {
    const global = new InMemorySpanExporter();
    const registered = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(global)],
    });
    assert.ok(trace.setGlobalTracerProvider(registered));
    try {
      assert.ok(registeredProvider());
      const traced = await startServer({ gateways: [gateway] });
      const off = await startServer({ gateways: [gateway], tracing: false });
      assert.equal(off.io.of("/")._instruments.tracing, undefined);
      const a = await connect(traced.url, { transports: ["websocket"] });
      const b = await connect(off.url, { transports: ["websocket"] });
      await emitForAck(a, "hello", ["a"]);
      await emitForAck(b, "hello", ["b"]);
      await waitUntil(() => global.getFinishedSpans().length === 1, "the traced server's span");
      await sleep(50);
      assert.equal(global.getFinishedSpans().length, 1);
      assert.equal(global.getFinishedSpans()[0].attributes["socket.io.socket.id"], a.id);
    } finally {
      trace.disable();
    }
    assert.equal(registeredProvider(), undefined);
  });
});

describe("tracing: the traceparent parser", () => {
  it("reads W3C trace context, and nothing else", () => {
    assert.deepEqual(parseTraceparent(TRACEPARENT), {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
    assert.equal(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags, 0);
    assert.equal(parseTraceparent(` ${TRACEPARENT} `)?.traceId, TRACE_ID, "trimmed");
    // a later version may add fields
    assert.equal(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-01-more`)?.spanId, SPAN_ID);
    for (const bad of ["", "00", `00-${TRACE_ID}-${SPAN_ID}`, `0-${TRACE_ID}-${SPAN_ID}-01`]) {
      assert.equal(parseTraceparent(bad), undefined, bad);
    }
    assert.equal(parseTraceparent(TRACEPARENT, "a=1,b=2")?.traceState?.get("b"), "2");
  });
});
