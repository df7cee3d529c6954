import type { SocketPacket } from "../parser/packet.ts";
import type { RecoveredSession, SessionToPersist } from "./recovery.ts";
import type { BroadcastOptions, Room, SocketId } from "./types.ts";

/** A socket as `fetchSockets` returns it: local sockets are the sockets themselves. */
export interface RemoteSocketLike {
  /** Socket id. */
  readonly id: SocketId;
  /** Rooms the socket is in. */
  readonly rooms: ReadonlySet<Room>;
  /** The socket's `data`. */
  readonly data: unknown;
}

/**
 * Where a namespace keeps its rooms and how it reaches sockets: in memory for one process,
 * or across processes (Redis) with the same methods. Methods a remote adapter must make
 * asynchronous may return promises.
 */
export interface Adapter {
  /** Socket ids by room (this process). */
  readonly rooms: Map<Room, Set<SocketId>>;
  /** Rooms by socket id (this process). */
  readonly sids: Map<SocketId, Set<Room>>;
  /** Starts the adapter (subscriptions etc.). */
  init(): void | Promise<void>;
  /** Stops the adapter. */
  close(): void | Promise<void>;
  /** Adds a socket to rooms. */
  addAll(id: SocketId, rooms: ReadonlySet<Room>): void | Promise<void>;
  /** Removes a socket from a room. */
  del(id: SocketId, room: Room): void | Promise<void>;
  /** Removes a socket from every room. */
  delAll(id: SocketId): void;
  /** The rooms of a socket, if it is known here. */
  socketRooms(id: SocketId): Set<Room> | undefined;
  /** Sends a packet to the sockets the options select. */
  broadcast(packet: SocketPacket, options: BroadcastOptions): void;
  /**
   * Sends a packet expecting acknowledgements: `onClientCount` is called once per server with
   * how many sockets it reached, `onAck` once per acknowledgement.
   */
  broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void;
  /** The sockets the options select. */
  fetchSockets(options: BroadcastOptions): Promise<RemoteSocketLike[]>;
  /** Makes the selected sockets join rooms. */
  addSockets(options: BroadcastOptions, rooms: Room[]): void;
  /** Makes the selected sockets leave rooms. */
  delSockets(options: BroadcastOptions, rooms: Room[]): void;
  /** Disconnects the selected sockets (`close` also closes their connection). */
  disconnectSockets(options: BroadcastOptions, close: boolean): void;
  /** Sends an event to the other servers of the cluster (a no-op alone). */
  serverSideEmit(args: unknown[]): void | Promise<void>;
  /** How many servers share this adapter (1 alone). */
  serverCount(): Promise<number>;
  /**
   * Connection state recovery: appends an offset to an EVENT packet's data (a new array) and
   * keeps the packet for reconnecting clients. Called by `socket.emit`; `broadcast` does it
   * itself. Absent: packets carry no offset.
   */
  recordPacket?(packet: SocketPacket, options: BroadcastOptions): void;
  /**
   * Connection state recovery, for adapters whose offsets come from their store (a Redis
   * stream's entry ids, known only once written): sends an EVENT packet to the socket the
   * options name, appending the offset before delivering it. When present, `socket.emit` calls
   * it instead of `recordPacket` and writing the packet itself.
   */
  recordAndSend?(packet: SocketPacket, options: BroadcastOptions): void;
  /** Connection state recovery: keeps a disconnected socket's session. */
  persistSession?(session: SessionToPersist): void | Promise<void>;
  /**
   * Connection state recovery: takes a session back (once) with the packets sent after
   * `offset` that it would have received; undefined when it cannot be recovered.
   */
  restoreSession?(
    pid: string,
    offset: string,
  ): RecoveredSession | undefined | Promise<RecoveredSession | undefined>;
}
