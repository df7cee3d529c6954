import { callSafely } from "../_internal/call_safely.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import { RESERVED_EVENTS } from "../parser/validate.ts";
import type { EventsMap } from "../server/events.ts";
import { delivered } from "./engine_connection.ts";
import { Mailbox } from "./mailbox.ts";
import type { TestClient, TestManager } from "./test_client.ts";
import {
  ConnectError,
  type TestDisconnectReason,
  type TestListener,
  type TestSocketOptions,
} from "./types.ts";

/** What a test socket needs from the connection that carries it. */
export interface SocketCarrier extends TestManager {
  /** Encodes and sends a packet; throws for data JSON cannot encode (a BigInt, a cycle). */
  write(packet: SocketPacket): void;
}

type Listener = TestListener;
type AnyListener = (event: string, ...args: unknown[]) => unknown;
type Ack = (...args: unknown[]) => void;

interface PendingAck {
  readonly receive: (args: unknown[]) => void;
  readonly fail: (error: Error) => void;
}

interface Attempt {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const LIFECYCLE = new Set(["connect", "disconnect", "connect_error"]);

/** The implementation of {@linkcode TestClient}: one namespace over a {@linkcode SocketCarrier}. */
export class TestSocket implements TestClient {
  id: string | undefined;
  readonly namespace: string;
  readonly #carrier: SocketCarrier;
  #auth: Record<string, unknown>;
  #timeout: number;
  #state: "disconnected" | "connecting" | "connected" = "disconnected";
  #attempt: Attempt | undefined;
  #nextAckId = 0;
  readonly #acks = new Map<number, PendingAck>();
  #ackTimeout: number | undefined;
  readonly #listeners = new Map<string, { listener: Listener; once: boolean }[]>();
  #anyListeners: AnyListener[] = [];
  readonly #mailbox = new Mailbox();

  constructor(carrier: SocketCarrier, namespace: string, options: Required<TestSocketOptions>) {
    this.#carrier = carrier;
    this.namespace = namespace;
    this.#auth = options.auth;
    this.#timeout = options.timeout;
  }

  get connected(): boolean {
    return this.#state === "connected";
  }

  get manager(): TestManager {
    return this.#carrier;
  }

  /** Replaces the options the next `connect()` uses. */
  configure(options: TestSocketOptions): void {
    if (options.auth !== undefined) this.#auth = options.auth;
    if (options.timeout !== undefined) this.#timeout = options.timeout;
  }

  connect(): Promise<this> {
    if (this.#state === "connected") return Promise.resolve(this);
    if (!this.#carrier.open) {
      return Promise.reject(
        new Error(`cannot connect "${this.namespace}": the connection is closed`),
      );
    }
    if (!this.#attempt) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const timeout = this.#timeout;
      const timer = setTimeout(() => {
        this.#endAttempt(
          new Error(
            `timed out after ${timeout} ms waiting for the server to accept "${this.namespace}"`,
          ),
        );
      }, timeout);
      this.#attempt = { promise, resolve, reject, timer };
      this.#state = "connecting";
      this.#carrier.write({
        type: SocketPacketType.CONNECT,
        nsp: this.namespace,
        data: this.#auth,
      });
    }
    return this.#attempt.promise.then(() => this);
  }

  connectNamespace<L extends EventsMap, E extends EventsMap>(
    namespace: string,
    options?: TestSocketOptions,
  ): Promise<TestClient<L, E>> {
    return this.#carrier.socket<L, E>(namespace, options).connect();
  }

  on(event: string, listener: (...args: never[]) => unknown): this {
    return this.#addListener(event, listener as Listener, false);
  }

  once(event: string, listener: (...args: never[]) => unknown): this {
    return this.#addListener(event, listener as Listener, true);
  }

  off(event: string, listener?: TestListener): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    if (!listener) {
      this.#listeners.delete(event);
      return this;
    }
    const index = list.findIndex((entry) => entry.listener === listener);
    if (index !== -1) list.splice(index, 1);
    return this;
  }

  onAny(listener: AnyListener): this {
    this.#anyListeners.push(listener);
    return this;
  }

  offAny(listener?: AnyListener): this {
    this.#anyListeners = listener ? this.#anyListeners.filter((l) => l !== listener) : [];
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    const ackTimeout = this.#takeAckTimeout();
    this.#checkEmit(event);
    const last = args[args.length - 1];
    if (typeof last !== "function") {
      this.#send({ type: SocketPacketType.EVENT, nsp: this.namespace, data: [event, ...args] });
      return this;
    }
    const callback = last as Ack;
    const id = this.#nextAckId++;
    // sent first: data that cannot be encoded throws before anything is registered, and the
    // acknowledgement cannot arrive before this method returns
    this.#send({
      type: SocketPacketType.EVENT,
      nsp: this.namespace,
      id,
      data: [event, ...args.slice(0, -1)],
    });
    if (ackTimeout === undefined) {
      this.#acks.set(id, { receive: (ackArgs) => callback(...ackArgs), fail: () => {} });
    } else {
      this.#expectAck(id, event, ackTimeout, {
        receive: (ackArgs) => callback(null, ...ackArgs),
        fail: (error) => callback(error),
      });
    }
    return this;
  }

  emitWithAck(event: string, ...args: unknown[]): Promise<never> {
    return this.emitWithAckArgs(event, ...args).then((ackArgs) => ackArgs[0] as never);
  }

  emitWithAckArgs(event: string, ...args: unknown[]): Promise<unknown[]> {
    const timeout = this.#takeAckTimeout() ?? this.#timeout;
    return new Promise((resolve, reject) => {
      this.#checkEmit(event);
      const id = this.#nextAckId++;
      this.#send({ type: SocketPacketType.EVENT, nsp: this.namespace, id, data: [event, ...args] });
      this.#expectAck(id, event, timeout, { receive: resolve, fail: reject });
    });
  }

  timeout(ms: number): this {
    this.#ackTimeout = ms;
    return this;
  }

  waitFor(event: string, options: { timeout?: number } = {}): Promise<never> {
    if (event === "connect" && this.#state === "connected") return Promise.resolve([] as never);
    const timeout = options.timeout ?? this.#timeout;
    return this.#mailbox.take(
      event,
      timeout,
      `"${event}" on "${this.namespace}"`,
    ) as Promise<never>;
  }

  disconnect(): Promise<void> {
    if (this.#state === "disconnected") return Promise.resolve();
    if (this.#carrier.open) {
      this.#carrier.write({ type: SocketPacketType.DISCONNECT, nsp: this.namespace });
    }
    if (this.#state === "connecting") {
      this.#endAttempt(new Error(`the connection to "${this.namespace}" was abandoned`));
    } else {
      this.#disconnected("io client disconnect");
    }
    return delivered();
  }

  close(): Promise<void> {
    return this.#carrier.close();
  }

  /** @internal A packet of this namespace arrived. */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case SocketPacketType.CONNECT:
        this.#onconnect(packet.data as { sid?: unknown } | undefined);
        return;
      case SocketPacketType.CONNECT_ERROR:
        this.#onconnectError(packet.data);
        return;
      case SocketPacketType.DISCONNECT:
        if (this.#state === "connected") this.#disconnected("io server disconnect");
        else if (this.#state === "connecting") {
          this.#endAttempt(new Error(`the server disconnected "${this.namespace}"`));
        }
        return;
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        if (this.#state === "connected") this.#onevent(packet);
        return;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK: {
        const pending = this.#acks.get(packet.id!);
        if (!pending) return;
        this.#acks.delete(packet.id!);
        report(() => pending.receive(packet.data as unknown[]));
        return;
      }
    }
  }

  /** @internal The connection ended: nothing more can arrive. */
  _onclose(reason: TestDisconnectReason): void {
    const closed = new Error(`the test connection is closed (${reason})`);
    if (this.#state === "connecting") this.#endAttempt(closed);
    else if (this.#state === "connected") this.#disconnected(reason);
    this.#mailbox.close(closed);
  }

  #onconnect(data: { sid?: unknown } | undefined): void {
    if (this.#state !== "connecting") {
      // the reply to an abandoned attempt: leave again so the server does not keep the socket
      if (this.#state === "disconnected" && this.#carrier.open) {
        this.#carrier.write({ type: SocketPacketType.DISCONNECT, nsp: this.namespace });
      }
      return;
    }
    this.#state = "connected";
    this.id = typeof data?.sid === "string" ? data.sid : undefined;
    const attempt = this.#attempt!;
    this.#attempt = undefined;
    clearTimeout(attempt.timer);
    attempt.resolve();
    this.#deliver("connect", []);
  }

  #onconnectError(data: unknown): void {
    if (this.#state !== "connecting") return;
    const body = typeof data === "object" && data !== null
      ? data as { message?: unknown; data?: unknown }
      : { message: data };
    const error = new ConnectError(String(body.message ?? "connection refused"), body.data);
    this.#endAttempt(error);
    this.#deliver("connect_error", [error]);
  }

  #endAttempt(error: Error): void {
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#attempt = undefined;
    this.#state = "disconnected";
    clearTimeout(attempt.timer);
    attempt.reject(error);
  }

  #disconnected(reason: TestDisconnectReason): void {
    this.#state = "disconnected";
    this.id = undefined;
    const error = new Error(`socket has been disconnected (${reason})`);
    const acks = [...this.#acks.values()];
    this.#acks.clear();
    for (const ack of acks) report(() => ack.fail(error));
    this.#deliver("disconnect", [reason]);
    this.#mailbox.fail(error, (event) => !LIFECYCLE.has(event));
  }

  #onevent(packet: SocketPacket): void {
    const [event, ...args] = packet.data as [string, ...unknown[]];
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    for (const listener of this.#anyListeners.slice()) {
      report(() => listener(event, ...args));
    }
    this.#deliver(event, args);
  }

  #deliver(event: string, args: unknown[]): void {
    // "connect" is a state, not a message: waitFor("connect") resolves at once when connected
    this.#mailbox.put(event, args, event !== "connect");
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const entry of list.slice()) {
      if (entry.once) list.splice(list.indexOf(entry), 1);
      report(() => entry.listener(...args));
    }
  }

  #ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || this.#state !== "connected") return;
      sent = true;
      this.#carrier.write({ type: SocketPacketType.ACK, nsp: this.namespace, id, data: args });
    };
  }

  #expectAck(id: number, event: string, timeout: number, pending: PendingAck): void {
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      const error = new Error(
        `timed out after ${timeout} ms waiting for the acknowledgement of "${event}"`,
      );
      report(() => pending.fail(error));
    }, timeout);
    this.#acks.set(id, {
      receive: (args) => {
        clearTimeout(timer);
        pending.receive(args);
      },
      fail: (error) => {
        clearTimeout(timer);
        this.#acks.delete(id);
        pending.fail(error);
      },
    });
  }

  #checkEmit(event: string): void {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    if (this.#state !== "connected") {
      throw new Error(`cannot emit "${event}": not connected to "${this.namespace}"`);
    }
  }

  #send(packet: SocketPacket): void {
    this.#carrier.write(packet);
  }

  #takeAckTimeout(): number | undefined {
    const timeout = this.#ackTimeout;
    this.#ackTimeout = undefined;
    return timeout;
  }

  #addListener(event: string, listener: Listener, once: boolean): this {
    const list = this.#listeners.get(event);
    if (list) list.push({ listener, once });
    else this.#listeners.set(event, [{ listener, once }]);
    return this;
  }
}

/**
 * Runs a listener or callback of the test; what it throws (a failed assertion, say) becomes an
 * unhandled rejection, which fails the test under both `deno test` and `bun test` (an error
 * thrown in a microtask or a timer would not, under `deno test`), without breaking the client.
 */
function report(call: () => unknown): void {
  callSafely(call, [], rethrowUnhandled);
}

/** Raises an error outside the caller's stack, as an unhandled rejection. */
export function rethrowUnhandled(error: unknown): void {
  Promise.reject(error);
}
