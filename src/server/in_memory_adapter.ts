import { Emitter } from "../_internal/emitter.ts";
import type { Frames } from "../parser/codec.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "./adapter.ts";
import type { Namespace } from "./namespace.ts";
import {
  InMemorySessionStore,
  OffsetGenerator,
  type RecoveredSession,
  type SessionToPersist,
} from "./recovery.ts";
import { RoomTopics } from "./room_topics.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { BroadcastOptions, Room, SocketId } from "./types.ts";

/** Events of an adapter's rooms, as the reference adapter emits them. */
export type AdapterEvents = {
  /** A room got its first socket. */
  "create-room": [room: Room];
  /** A room lost its last socket. */
  "delete-room": [room: Room];
  /** A socket joined a room. */
  "join-room": [room: Room, id: SocketId];
  /** A socket left a room. */
  "leave-room": [room: Room, id: SocketId];
};

/** Builds the adapter of a namespace. */
export type AdapterFactory = (nsp: Namespace) => Adapter;

/**
 * The adapter of a single process: rooms in two maps, broadcasts encoded once and written to
 * each selected socket. Cluster adapters extend what it does with messages to other servers.
 */
export class InMemoryAdapter implements Adapter {
  readonly rooms: Map<Room, Set<SocketId>> = new Map();
  readonly sids: Map<SocketId, Set<Room>> = new Map();
  readonly #offsets = new OffsetGenerator();
  /** Made on the first `on`: without listeners, rooms change without any event work. */
  #events: Emitter<AdapterEvents> | undefined;
  #store: InMemorySessionStore | undefined;
  /** Broadcasts through the runtime's native topics where it has them. */
  readonly #topics: RoomTopics;

  /** The adapter of one namespace. */
  constructor(
    /** The namespace served. */
    readonly nsp: Namespace,
  ) {
    this.#topics = new RoomTopics(nsp);
  }

  init(): void {}

  /**
   * Listens to room events: `create-room` (room), `delete-room` (room), `join-room`
   * (room, id), `leave-room` (room, id), for the rooms of this process.
   */
  on<K extends keyof AdapterEvents>(event: K, listener: (...args: AdapterEvents[K]) => void): this {
    (this.#events ??= new Emitter()).on(event, listener);
    return this;
  }

  /** Stops listening to a room event. */
  off<K extends keyof AdapterEvents>(
    event: K,
    listener?: (...args: AdapterEvents[K]) => void,
  ): this {
    this.#events?.off(event, listener);
    return this;
  }

  close(): void {
    this.#store?.clear();
  }

  addAll(id: SocketId, rooms: ReadonlySet<Room>): void {
    let joined = this.sids.get(id);
    if (!joined) this.sids.set(id, joined = new Set());
    const events = this.#events;
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (!members) {
        this.rooms.set(room, members = new Set());
        events?.emit("create-room", room);
      }
      if (events === undefined) members.add(id);
      else if (!members.has(id)) {
        members.add(id);
        events.emit("join-room", room, id);
      }
    }
  }

  del(id: SocketId, room: Room): void {
    this.sids.get(id)?.delete(room);
    this.#leave(id, room);
    this.#topics.leave(id, room);
  }

  delAll(id: SocketId): void {
    this.#topics.forget(id);
    const joined = this.sids.get(id);
    if (!joined) return;
    for (const room of joined) this.#leave(id, room);
    this.sids.delete(id);
  }

  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  broadcast(packet: SocketPacket, options: BroadcastOptions): void {
    const data = packet.data as unknown[];
    this.recordPacket(packet, options);
    this.deliver(packet, options, data);
  }

  /**
   * Writes a packet to the local sockets the options select, as it is (no offset added);
   * outgoing listeners see `notified` (default: the packet's data).
   */
  deliver(
    packet: SocketPacket,
    options: BroadcastOptions,
    notified: unknown[] = packet.data as unknown[],
  ): void {
    const frames = this.nsp.codec.encode(packet);
    const data = notified;
    if (this.#viaTopics(frames, data, options)) return;
    const flags = options.flags;
    this.apply(options, (socket) => socket._outbox.send(data, frames, flags));
  }

  broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void {
    const id = this.nsp._nextAckId();
    const withId: SocketPacket = { ...packet, id };
    const frames = this.nsp.codec.encode(withId);
    const data = packet.data as unknown[];
    const event = String(data[0]);
    const reached: AnyServerSocket[] = [];
    const expect = (socket: AnyServerSocket) => {
      reached.push(socket);
      socket._acks.expectBroadcast(id, onAck, event);
    };
    if (!this.#viaTopics(frames, data, options, expect)) {
      this.apply(options, (socket) => {
        expect(socket);
        socket._outbox.send(data, frames, options.flags);
      });
    }
    onClientCount(reached.length);
    const timeout = options.flags.timeout;
    if (timeout !== undefined && reached.length > 0) {
      // the broadcast reports its own timeout; here the silent sockets stop waiting
      setTimeout(() => {
        for (const socket of reached) socket._acks.forget(id);
      }, timeout);
    }
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

  /**
   * With connection state recovery on, gives an EVENT packet without acknowledgement that is
   * not volatile a new data array ending with a fresh offset, and stores it (`storePacket`).
   */
  recordPacket(packet: SocketPacket, options: BroadcastOptions): void {
    if (
      this.nsp.recovery === undefined || packet.type !== SocketPacketType.EVENT ||
      packet.id !== undefined || options.flags.volatile
    ) {
      return;
    }
    const offset = this.#offsets.next();
    const data = [...(packet.data as unknown[]), offset];
    packet.data = data;
    this.storePacket(offset, data, options);
  }

  /** Keeps a packet for reconnecting clients: in memory here; cluster adapters may override. */
  storePacket(offset: string, data: unknown[], options: BroadcastOptions): void {
    this.#sessions()?.addPacket(offset, data, options);
  }

  /** Keeps a disconnected socket's session for `maxDisconnectionDuration`. */
  persistSession(session: SessionToPersist): void | Promise<void> {
    this.#sessions()?.persist(session);
  }

  /** Takes a session back with the packets it missed; undefined when it cannot be. */
  restoreSession(
    pid: string,
    offset: string,
  ): RecoveredSession | undefined | Promise<RecoveredSession | undefined> {
    return this.#sessions()?.restore(pid, offset);
  }

  #sessions(): InMemorySessionStore | undefined {
    const recovery = this.nsp.recovery;
    if (recovery === undefined) return undefined;
    return this.#store ??= new InMemorySessionStore(recovery);
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

  /** Delivers through native topics where the broadcast allows; false when it does not. */
  #viaTopics(
    frames: Frames,
    data: readonly unknown[],
    options: BroadcastOptions,
    reached?: (socket: AnyServerSocket) => void,
  ): boolean {
    if (!RoomTopics.applies(frames, options)) return false;
    let members: Set<SocketId> | undefined;
    for (const room of options.rooms) members = this.rooms.get(room);
    const excluded = this.#expand(options.except);
    this.#topics.deliver(frames, data, options, members, excluded, reached);
    return true;
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
    if (members.delete(id)) this.#events?.emit("leave-room", room, id);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.#events?.emit("delete-room", room);
    }
  }
}
