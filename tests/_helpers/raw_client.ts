/**
 * Raw Engine.IO v4 clients for wire tests: long-polling over the global `fetch`, and a
 * WebSocket wrapper that buffers events like the official protocol suite (`waitFor`), except
 * that every wait is bounded.
 */
import { withTimeout } from "./wait.ts";

/** The record separator of long-polling payloads. */
export const SEP = "\x1e";

/** How long a single wait may take before a test fails instead of hanging. */
export const WAIT_MS = 3000;

/** The decoded OPEN packet. */
export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** A finished HTTP exchange, body read. */
export interface HttpReply {
  status: number;
  headers: Headers;
  body: string;
}

/** Fetches and reads the body; aborts (and rejects) after `ms`. */
export async function request(
  url: string,
  init: RequestInit = {},
  ms = WAIT_MS,
): Promise<HttpReply> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const outer = init.signal;
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (controller.signal.aborted && !outer?.aborted) {
      throw new Error(`timed out after ${ms} ms: ${init.method ?? "GET"} ${url}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
  }
}

/** The URL of a polling request, for the handshake (no sid) or for a session. */
export function pollingUrl(base: string, sid?: string, extra = ""): string {
  return `${base}?EIO=4&transport=polling${sid ? `&sid=${encodeURIComponent(sid)}` : ""}${extra}`;
}

/** The URL of a WebSocket, for a direct session (no sid) or for an upgrade. */
export function websocketUrl(base: string, sid?: string, extra = ""): string {
  return `${base}?EIO=4&transport=websocket${sid ? `&sid=${encodeURIComponent(sid)}` : ""}${extra}`;
}

/** Parses an OPEN packet ("0{...}"). */
export function parseOpen(packet: string): OpenPacket {
  if (!packet.startsWith("0")) throw new Error(`not an OPEN packet: ${packet}`);
  return JSON.parse(packet.slice(1));
}

/** Result of a long-polling handshake. */
export interface PollingHandshake {
  sid: string;
  open: OpenPacket;
  /** The packets that followed the OPEN packet in the same payload. */
  rest: string[];
  reply: HttpReply;
}

/** Opens a long-polling session. */
export async function handshake(base: string, extra = ""): Promise<PollingHandshake> {
  const reply = await request(pollingUrl(base, undefined, extra));
  if (reply.status !== 200) {
    throw new Error(`handshake failed: HTTP ${reply.status} ${reply.body}`);
  }
  const [first, ...rest] = reply.body.split(SEP);
  const open = parseOpen(first);
  return { sid: open.sid, open, rest, reply };
}

/** One long-polling GET. */
export function poll(base: string, sid: string, init: RequestInit = {}, ms = WAIT_MS) {
  return request(pollingUrl(base, sid), init, ms);
}

/** One long-polling POST carrying `payload`. */
export function push(base: string, sid: string, payload: string, ms = WAIT_MS) {
  return request(pollingUrl(base, sid), { method: "POST", body: payload }, ms);
}

type EventName = "open" | "message" | "close";
type EventOf<T extends EventName> = T extends "message" ? MessageEvent
  : T extends "close" ? CloseEvent
  : Event;

const openSockets = new Set<RawWebSocket>();

/** A WebSocket that queues its events so a test can await them one at a time. */
export class RawWebSocket {
  readonly ws: WebSocket;
  /** Resolves once the socket has closed (whether or not a test waited for it). */
  readonly closed: Promise<CloseEvent>;
  #buffers: Record<EventName, Event[]> = { open: [], message: [], close: [] };
  #waiters: Record<EventName, ((event: Event) => void)[]> = { open: [], message: [], close: [] };

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    openSockets.add(this);
    this.closed = new Promise((resolve) => {
      this.ws.addEventListener("close", (event) => {
        openSockets.delete(this);
        resolve(event);
      });
    });
    this.ws.addEventListener("error", () => {});
    for (const type of ["open", "message", "close"] as const) {
      this.ws.addEventListener(type, (event) => {
        const waiter = this.#waiters[type].shift();
        if (waiter) waiter(event);
        else this.#buffers[type].push(event);
      });
    }
  }

  /** The next buffered or future event of `type`; rejects after `ms`. */
  waitFor<T extends EventName>(type: T, ms = WAIT_MS): Promise<EventOf<T>> {
    const buffered = this.#buffers[type].shift();
    if (buffered) return Promise.resolve(buffered as EventOf<T>);
    let waiter: ((event: Event) => void) | undefined;
    const next = new Promise<EventOf<T>>((resolve) => {
      waiter = (event) => resolve(event as EventOf<T>);
      this.#waiters[type].push(waiter);
    });
    return withTimeout(next, ms, `WebSocket "${type}" event`).catch((error) => {
      const index = this.#waiters[type].indexOf(waiter!);
      if (index >= 0) this.#waiters[type].splice(index, 1);
      throw error;
    });
  }

  /** The data of the next message: a string, or an ArrayBuffer for a binary frame. */
  async message(ms = WAIT_MS): Promise<string | ArrayBuffer> {
    return (await this.waitFor("message", ms)).data;
  }

  /** The next message, which must be text. */
  async text(ms = WAIT_MS): Promise<string> {
    const data = await this.message(ms);
    if (typeof data !== "string") throw new Error("expected a text frame, got a binary one");
    return data;
  }

  /** Messages already received and not yet consumed. */
  get pendingMessages(): number {
    return this.#buffers.message.length;
  }

  /** Sends a frame. */
  send(data: string | ArrayBuffer | Uint8Array): void {
    this.ws.send(data);
  }

  /** Closes the socket and waits (bounded) for the close event. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      try {
        this.ws.close();
      } catch {
        // already closing
      }
    }
    await withTimeout(this.closed, WAIT_MS, "WebSocket to close").catch(() => {});
  }
}

/** Closes every RawWebSocket still open (for `after` hooks). */
export async function closeAllWebSockets(): Promise<void> {
  await Promise.all([...openSockets].map((socket) => socket.close()));
}

/** A WebSocket session opened directly (no polling first). */
export interface WebSocketSession {
  socket: RawWebSocket;
  sid: string;
  open: OpenPacket;
}

/** Opens a direct WebSocket session and reads its OPEN packet. */
export async function openWebSocketSession(base: string, extra = ""): Promise<WebSocketSession> {
  const socket = new RawWebSocket(websocketUrl(base, undefined, extra));
  const open = parseOpen(await socket.text());
  return { socket, sid: open.sid, open };
}

/** Bytes of an ArrayBuffer (or view) as a plain array, for deepEqual. */
export function bytes(data: unknown): number[] {
  if (data instanceof ArrayBuffer) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) {
    return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  }
  throw new Error(`not binary data: ${typeof data}`);
}
