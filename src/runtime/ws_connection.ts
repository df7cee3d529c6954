import type { WsConnection } from "../engine/transport.ts";

/** The part of a runtime's WebSocket object a `WsConnection` wraps. */
export interface RuntimeSocket {
  /** The socket's state, compared against `ReadyStates`. */
  readonly readyState: number;
  /** Sends one frame. */
  send(data: string | Uint8Array): unknown;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
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
 * Wraps a runtime's WebSocket as the `WsConnection` a transport writes to. The transport may
 * still flush or close after the peer has gone, and runtimes throw or error on a send to a
 * socket that is not open, so such sends are dropped and a repeated close is ignored.
 */
export function toWsConnection(
  socket: RuntimeSocket,
  bufferedAmount: () => number,
  states: ReadyStates = STANDARD_READY_STATES,
): WsConnection {
  const { OPEN, CONNECTING } = states; // read once: send runs for every frame
  return {
    send(data) {
      if (socket.readyState === OPEN) socket.send(data);
    },
    close(code, reason) {
      const state = socket.readyState;
      if (state === OPEN || state === CONNECTING) socket.close(code, reason);
    },
    get bufferedAmount() {
      return bufferedAmount();
    },
  };
}
