/**
 * Starts an Engine.IO server for a test file, in-process, on 127.0.0.1 and a free port, with
 * whichever runtime runs the tests (Deno, Bun or Node).
 */
import {
  createEngineServer,
  type EngineIoServer,
  type EngineServerOptions,
  type EngineSocket,
} from "../../engine.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { withTimeout } from "./wait.ts";

/** A running test server. */
export interface TestEngineServer {
  /** The Engine.IO server. */
  readonly engine: EngineIoServer;
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT/engine.io/` (with the configured path). */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:PORT/engine.io/` (with the configured path). */
  readonly wsUrl: string;
  /** Every session opened so far, by sid. */
  readonly sockets: Map<string, EngineSocket>;
  /** Resolves with the session of `sid` once it has opened (rejects after `ms`). */
  socket(sid: string, ms?: number): Promise<EngineSocket>;
  /** Closes every session, then the listener. */
  close(): Promise<void>;
}

/** Options of {@link startEngineServer}. */
export interface StartOptions extends EngineServerOptions {
  /** Echo every message back to its sender (default true). */
  echo?: boolean;
}

/** Starts a server; each session echoes its messages unless `echo` is false. */
export async function startEngineServer(options: StartOptions = {}): Promise<TestEngineServer> {
  const { echo = true, ...engineOptions } = options;
  const engine = createEngineServer(engineOptions);
  const sockets = new Map<string, EngineSocket>();
  const waiting = new Map<string, (socket: EngineSocket) => void>();
  engine.on("connection", (socket) => {
    sockets.set(socket.id, socket);
    if (echo) socket.on("message", (data) => socket.send(data));
    waiting.get(socket.id)?.(socket);
    waiting.delete(socket.id);
  });
  const running = await serveOnAnyRuntime({
    port: 0,
    fetch: engine.fetch,
    websocket: engine.websocket,
    maxPayload: engineOptions.maxHttpBufferSize,
  });
  const base = `127.0.0.1:${running.port}${engine.path}`;
  let closed = false;
  return {
    engine,
    port: running.port,
    httpUrl: `http://${base}`,
    wsUrl: `ws://${base}`,
    sockets,
    socket(sid, ms = 3000) {
      const known = sockets.get(sid);
      if (known) return Promise.resolve(known);
      return withTimeout(
        new Promise<EngineSocket>((resolve) => waiting.set(sid, resolve)),
        ms,
        `session ${sid} to open`,
      ).finally(() => waiting.delete(sid));
    },
    async close() {
      if (closed) return;
      closed = true;
      engine.close();
      // a server that cannot shut down has a request handler stuck: report it
      await withTimeout(running.close(), 5000, "the server to shut down");
    },
  };
}

/**
 * Tells whether a long-polling GET of this session is parked on the server. White-box (it reads
 * the session's transport), used only to order a test's requests, never as an assertion.
 */
export function hasParkedPoll(socket: EngineSocket): boolean {
  const transport = (socket as unknown as {
    activeTransport?: { name?: string; parked?: boolean; writable?: boolean };
  }).activeTransport;
  return transport?.name === "polling" && (transport.parked ?? transport.writable) === true;
}
