/**
 * A Socket.IO server with its metrics mounted where an application would put them: a Hono app
 * with `app.get("/metrics", io.metrics.handler)` and the endpoint attached, served on
 * 127.0.0.1 (a free port). `scrape` fetches `/metrics` over HTTP and parses it.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createServer, type ServerOptions, type SocketIoServer } from "../../mod.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { withTimeout } from "../_helpers/wait.ts";
import { type ParsedFamily, parsePrometheus } from "./_prometheus.ts";

/** A running server with its metrics route. */
export interface MetricsServer {
  readonly io: SocketIoServer;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** GETs /metrics, checks the answer's status and content type, and parses it. */
  scrape(): Promise<Map<string, ParsedFamily>>;
  /** Closes the Socket.IO server, then the listener. */
  close(): Promise<void>;
}

/** Starts `createServer(options)` with /metrics mounted beside the endpoint. */
export async function startMetricsServer(options: ServerOptions): Promise<MetricsServer> {
  const io = createServer(options);
  const app = new Hono();
  app.get("/metrics", io.metrics.handler);
  io.attach(app);
  const running = await serveOnAnyRuntime({
    port: 0,
    fetch: (request, env) => app.fetch(request, env),
    websocket: io.websocket,
  });
  const url = `http://127.0.0.1:${running.port}`;
  let closed = false;
  return {
    io,
    url,
    port: running.port,
    async scrape() {
      const response = await withTimeout(fetch(`${url}/metrics`), 3000, "GET /metrics");
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; version=0.0.4; charset=utf-8",
      );
      return parsePrometheus(text);
    },
    async close() {
      if (closed) return;
      closed = true;
      await withTimeout(io.close(), 3000, "io.close()");
      await withTimeout(running.close(), 5000, "the listener to shut down");
    },
  };
}
