import type { RemoteSocketLike } from "../../server/adapter.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { Room, SocketId } from "../../server/types.ts";
import type { WireSocket } from "./protocol.ts";

/**
 * A socket connected to another server of the cluster, as `fetchSockets()` returns it: a
 * snapshot of its id, handshake, rooms and data, and the operations that reach it through the
 * cluster (each one a broadcast to the socket's own room).
 */
export interface RemoteSocket extends RemoteSocketLike {
  /** The handshake, as the other server reported it (socket.io's shape). */
  readonly handshake: Readonly<Record<string, unknown>>;
  /** Emits an event to this socket (through the cluster). */
  emit(event: string, ...args: unknown[]): boolean;
  /** Makes this socket join a room or rooms. */
  join(room: Room | readonly Room[]): void;
  /** Makes this socket leave a room or rooms. */
  leave(room: Room | readonly Room[]): void;
  /** Disconnects this socket; with `close`, closes its connection too. */
  disconnect(close?: boolean): this;
}

/** A `RemoteSocket` built from a fetchSockets response. */
export class ClusterRemoteSocket implements RemoteSocket {
  /** Socket id. */
  readonly id: SocketId;
  /** The handshake, as the other server reported it (socket.io's shape). */
  readonly handshake: Readonly<Record<string, unknown>>;
  /** Rooms the socket was in when fetched (its own id included). */
  readonly rooms: ReadonlySet<Room>;
  /** The socket's `data` when fetched. */
  readonly data: unknown;
  readonly #nsp: Namespace;

  /** Built by the Redis adapter from a fetchSockets response. */
  constructor(nsp: Namespace, socket: WireSocket) {
    this.#nsp = nsp;
    this.id = socket.id;
    this.handshake = socket.handshake;
    this.rooms = new Set(socket.rooms);
    this.data = socket.data;
  }

  /** Emits an event to this socket (through the cluster). */
  emit(event: string, ...args: unknown[]): boolean {
    return (this.#nsp.to(this.id).emit as (event: string, ...args: unknown[]) => boolean)(
      event,
      ...args,
    );
  }

  /** Makes this socket join a room or rooms. */
  join(room: Room | readonly Room[]): void {
    this.#nsp.in(this.id).socketsJoin(room);
  }

  /** Makes this socket leave a room or rooms. */
  leave(room: Room | readonly Room[]): void {
    this.#nsp.in(this.id).socketsLeave(room);
  }

  /** Disconnects this socket; with `close`, closes its connection too. */
  disconnect(close = false): this {
    this.#nsp.in(this.id).disconnectSockets(close);
    return this;
  }
}
