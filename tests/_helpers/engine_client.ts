/**
 * A thin wrapper around the official `engine.io-client` Socket for integration tests: messages
 * are queued so a test can await them one at a time, and every wait is bounded.
 */
import { Socket, type SocketOptions } from "engine.io-client";
import { withTimeout } from "./wait.ts";

/**
 * How long a single wait may take before a test fails instead of hanging (below `bun test`'s
 * default 5 s per test, so a failure names what it waited for).
 */
export const CLIENT_WAIT_MS = 4000;

/** A message as the client hands it over (binaryType "arraybuffer"). */
export type ClientMessage = string | ArrayBuffer;

const liveClients = new Set<EngineClient>();

/** An `engine.io-client` Socket whose events tests can await. */
export class EngineClient {
  readonly socket: Socket;
  /** Resolves on "open". */
  readonly opened: Promise<void>;
  /** Resolves with the reason and description of "close". */
  readonly closed: Promise<[reason: string, description: unknown]>;
  /** Resolves with the new transport's name on "upgrade". */
  readonly upgraded: Promise<string>;
  /** Errors the client reported. */
  readonly errors: unknown[] = [];
  #messages: ClientMessage[] = [];
  #waiters: ((message: ClientMessage) => void)[] = [];

  constructor(url: string, options: Partial<SocketOptions>) {
    this.socket = new Socket(url, options);
    this.socket.binaryType = "arraybuffer";
    liveClients.add(this);
    this.opened = new Promise((resolve) => this.socket.on("open", () => resolve()));
    this.closed = new Promise((resolve) =>
      this.socket.on("close", (reason, description) => {
        liveClients.delete(this);
        resolve([reason, description]);
      })
    );
    this.upgraded = new Promise((resolve) =>
      this.socket.on("upgrade", (transport) => resolve(transport.name))
    );
    this.socket.on("error", (error) => this.errors.push(error));
    this.socket.on("message", (data) => {
      const message = data as ClientMessage;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#messages.push(message);
    });
  }

  /** The session id (once open). */
  get id(): string {
    return this.socket.id ?? "";
  }

  /** The name of the transport in use. */
  get transport(): string {
    return this.socket.transport?.name ?? "";
  }

  /** Waits (bounded) for "open". */
  open(ms = CLIENT_WAIT_MS): Promise<void> {
    return withTimeout(this.opened, ms, "the client to open");
  }

  /** Waits (bounded) for "upgrade"; resolves with the new transport's name. */
  upgrade(ms = CLIENT_WAIT_MS): Promise<string> {
    return withTimeout(this.upgraded, ms, "the client to upgrade");
  }

  /** Waits (bounded) for "close". */
  closeEvent(ms = CLIENT_WAIT_MS): Promise<[reason: string, description: unknown]> {
    return withTimeout(this.closed, ms, "the client to close");
  }

  /** The next message; rejects after `ms`. */
  message(ms = CLIENT_WAIT_MS): Promise<ClientMessage> {
    const buffered = this.#messages.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    let waiter: ((message: ClientMessage) => void) | undefined;
    const next = new Promise<ClientMessage>((resolve) => {
      waiter = resolve;
      this.#waiters.push(resolve);
    });
    return withTimeout(next, ms, "a message").catch((error) => {
      const index = this.#waiters.indexOf(waiter!);
      if (index >= 0) this.#waiters.splice(index, 1);
      throw error;
    });
  }

  /** The next `count` messages, in arrival order. */
  async messages(count: number, ms = CLIENT_WAIT_MS): Promise<ClientMessage[]> {
    const all: ClientMessage[] = [];
    for (let i = 0; i < count; i++) all.push(await this.message(ms));
    return all;
  }

  /** Messages received and not yet consumed. */
  get pending(): number {
    return this.#messages.length;
  }

  /** Sends a message. */
  send(data: string | ArrayBuffer | Uint8Array): void {
    this.socket.send(data);
  }

  /** Closes the client and waits (bounded) for its "close" event. */
  async close(): Promise<void> {
    if (!liveClients.has(this)) return;
    this.socket.close();
    await this.closeEvent().catch(() => {});
  }
}

/** Connects a client to `http://127.0.0.1:port` with the given options and waits for "open". */
export async function connectClient(
  port: number,
  options: Partial<SocketOptions> = {},
): Promise<EngineClient> {
  const client = new EngineClient(`http://127.0.0.1:${port}`, options);
  await client.open();
  return client;
}

/** Closes every client still open (for `after` hooks). */
export async function closeAllClients(): Promise<void> {
  await Promise.all([...liveClients].map((client) => client.close()));
}
