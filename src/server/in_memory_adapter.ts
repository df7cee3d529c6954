import { encodeSocketPacket } from "../parser/encoder.ts";
import type { SocketPacket } from "../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "./adapter.ts";
import type { Namespace } from "./namespace.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { BroadcastOptions, Room, SocketId } from "./types.ts";

/** Builds the adapter of a namespace. */
export type AdapterFactory = (nsp: Namespace) => Adapter;

/**
 * The adapter of a single process: rooms in two maps, broadcasts encoded once and written to
 * each selected socket. Cluster adapters extend what it does with messages to other servers.
 */
export class InMemoryAdapter implements Adapter {
  readonly rooms: Map<Room, Set<SocketId>> = new Map();
  readonly sids: Map<SocketId, Set<Room>> = new Map();

  /** The adapter of one namespace. */
  constructor(
    /** The namespace served. */
    readonly nsp: Namespace,
  ) {}

  init(): void {}

  close(): void {}

  addAll(id: SocketId, rooms: ReadonlySet<Room>): void {
    let joined = this.sids.get(id);
    if (!joined) this.sids.set(id, joined = new Set());
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (!members) this.rooms.set(room, members = new Set());
      members.add(id);
    }
  }

  del(id: SocketId, room: Room): void {
    this.sids.get(id)?.delete(room);
    this.#leave(id, room);
  }

  delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    if (!joined) return;
    for (const room of joined) this.#leave(id, room);
    this.sids.delete(id);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  broadcast(packet: SocketPacket, options: BroadcastOptions): void {
    const frames = encodeSocketPacket(packet);
    const data = packet.data as unknown[];
    this.apply(options, (socket) => {
      socket._notifyOutgoing(data);
      socket._writeFrames(frames, options.flags);
    });
  }

  broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void {
    const id = this.nsp._nextAckId();
    const withId: SocketPacket = { ...packet, id };
    const frames = encodeSocketPacket(withId);
    const data = packet.data as unknown[];
    let count = 0;
    this.apply(options, (socket) => {
      count++;
      socket._registerAck(id, onAck);
      socket._notifyOutgoing(data);
      socket._writeFrames(frames, options.flags);
    });
    onClientCount(count);
  }

  fetchSockets(options: BroadcastOptions): Promise<RemoteSocketLike[]> {
    const found: RemoteSocketLike[] = [];
    this.apply(options, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  addSockets(options: BroadcastOptions, rooms: Room[]): void {
    this.apply(options, (socket) => socket.join(rooms));
  }

  delSockets(options: BroadcastOptions, rooms: Room[]): void {
    this.apply(options, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  disconnectSockets(options: BroadcastOptions, close: boolean): void {
    this.apply(options, (socket) => socket.disconnect(close));
  }

  /** Alone, nobody else hears it; an acknowledgement callback gets `(null, [])`. */
  serverSideEmit(args: unknown[]): void {
    const ack = args[args.length - 1];
    if (typeof ack === "function") queueMicrotask(() => ack(null, []));
  }

  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /** Calls `visit` once for each socket the options select (a snapshot, safe to mutate rooms). */
  apply(options: BroadcastOptions, visit: (socket: AnyServerSocket) => void): void {
    const excluded = this.#expand(options.except);
    const sockets = this.nsp.sockets;
    const selected: AnyServerSocket[] = [];
    if (options.rooms.size > 0) {
      const seen = new Set<SocketId>();
      for (const room of options.rooms) {
        const members = this.rooms.get(room);
        if (!members) continue;
        for (const id of members) {
          if (seen.has(id) || excluded?.has(id)) continue;
          seen.add(id);
          const socket = sockets.get(id);
          if (socket) selected.push(socket);
        }
      }
    } else {
      for (const [id, socket] of sockets) {
        if (!excluded?.has(id)) selected.push(socket);
      }
    }
    for (const socket of selected) visit(socket);
  }

  #expand(rooms: ReadonlySet<Room>): Set<SocketId> | undefined {
    if (rooms.size === 0) return undefined;
    const ids = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members) { for (const id of members) ids.add(id); }
    }
    return ids;
  }

  #leave(id: SocketId, room: Room): void {
    const members = this.rooms.get(room);
    if (!members) return;
    members.delete(id);
    if (members.size === 0) this.rooms.delete(room);
  }
}
