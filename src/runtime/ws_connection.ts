import type { NativeTopics } from "../engine/native_topics.ts";
import type { WsConnection } from "../engine/transport.ts";

/** The part of a runtime's WebSocket object a `WsConnection` wraps. */
export interface RuntimeSocket {
  /** The socket's state, compared against `ReadyStates`. */
  readonly readyState: number;
  /** Sends one frame; the second argument says whether to compress it, in the runtime's form. */
  send(data: string | Uint8Array, compress?: unknown): unknown;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes the runtime holds unsent (Deno, Node's `ws`). */
  readonly bufferedAmount?: number;
  /** Bytes the runtime holds unsent (Bun). */
  getBufferedAmount?(): number;
}

/** The `readyState` values of a runtime's WebSocket that a connection checks. */
export interface ReadyStates {
  /** The handshake is still in progress. */
  readonly CONNECTING: number;
  /** Frames can be sent. */
  readonly OPEN: number;
}

/** The WHATWG WebSocket values, for runtimes that expose no constants of their own. */
export const STANDARD_READY_STATES: ReadyStates = { CONNECTING: 0, OPEN: 1 };

/**
 * What a runtime's `send` takes as its second argument to compress a frame, or not: a boolean
 * for Bun (Deno's `send` takes one argument and ignores it), an options object for `ws`.
 */
export interface CompressArgument {
  /** Compress the frame. */
  readonly yes: unknown;
  /** Send it as it is. */
  readonly no: unknown;
}

/** Bun's `send(data, compress)`. */
export const BOOLEAN_COMPRESS: CompressArgument = { yes: true, no: false };

/** A socket that compresses nothing (Deno's, or one that did not negotiate): no argument. */
export const NO_COMPRESSION: CompressArgument = { yes: undefined, no: undefined };

/**
 * Wraps a runtime's WebSocket as the `WsConnection` a transport writes to. The transport may
 * still flush or close after the peer has gone, and runtimes throw or error on a send to a
 * socket that is not open, so such sends are dropped and a repeated close is ignored.
 */
export function toWsConnection(
  socket: RuntimeSocket,
  states: ReadyStates = STANDARD_READY_STATES,
  compress: CompressArgument = BOOLEAN_COMPRESS,
  topics?: NativeTopics,
): WsConnection {
  return new RuntimeConnection(
    socket,
    states.OPEN,
    states.CONNECTING,
    compress.yes,
    compress.no,
    topics,
  );
}

/** A class, not an object literal: every connection shares one shape (a fan-out writes to thousands). */
class RuntimeConnection implements WsConnection {
  constructor(
    private readonly socket: RuntimeSocket,
    private readonly open: number,
    private readonly connecting: number,
    private readonly compressed: unknown,
    private readonly uncompressed: unknown,
    readonly topics: NativeTopics | undefined,
  ) {}

  send(data: string | Uint8Array, compress?: boolean): void {
    if (this.socket.readyState !== this.open) return;
    this.socket.send(data, compress ? this.compressed : this.uncompressed);
  }

  close(code?: number, reason?: string): void {
    const state = this.socket.readyState;
    if (state === this.open || state === this.connecting) this.socket.close(code, reason);
  }

  // read on every write: one runtime per process, so the branch is always the same one
  get bufferedAmount(): number {
    const socket = this.socket;
    return socket.getBufferedAmount ? socket.getBufferedAmount() : socket.bufferedAmount ?? 0;
  }
}
