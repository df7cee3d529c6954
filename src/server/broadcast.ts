import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import type { RemoteSocketLike } from "./adapter.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./events.ts";
import type { Namespace } from "./namespace.ts";
import {
  type BroadcastFlags,
  type BroadcastOptions,
  RESERVED_EVENTS,
  type Room,
  type SocketId,
} from "./types.ts";

/** Callback of a broadcast with acknowledgements: an error on timeout, then every response. */
export type BroadcastAck = (error: Error | null, responses: unknown[]) => void;

const TIMEOUT_ERROR = "operation has timed out";

/**
 * Selects sockets of a namespace (rooms, exceptions, flags) and acts on them. Immutable: each
 * modifier returns a new operator, so a chain can be stored and reused.
 */
export class BroadcastOperator<
  EmitEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> {
  readonly #nsp: Namespace;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: BroadcastFlags;

  /** Selects sockets of `nsp`: in `rooms` (all when empty), minus `except`, with `flags`. */
  constructor(
    nsp: Namespace,
    rooms: ReadonlySet<Room> = new Set(),
    except: ReadonlySet<Room> = new Set(),
    flags: BroadcastFlags = {},
  ) {
    this.#nsp = nsp;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** The rooms targeted (every socket of the namespace when empty). */
  get rooms(): ReadonlySet<Room> {
    return this.#rooms;
  }

  /** The rooms left out. */
  get exceptRooms(): ReadonlySet<Room> {
    return this.#except;
  }

  /** The flags set by `volatile`, `local`, `compress` and `timeout`. */
  get flags(): BroadcastFlags {
    return this.#flags;
  }

  /** Targets sockets in a room or rooms (a union with rooms already targeted). */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#nsp, union(this.#rooms, room), this.#except, this.#flags);
  }

  /** Same as `to`. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Leaves out sockets in a room or rooms. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#nsp, this.#rooms, union(this.#except, room), this.#flags);
  }

  /**
   * Sets the compress flag: `false` keeps the packet uncompressed (`perMessageDeflate`,
   * `httpCompression`); true, the default, lets compression apply where it is on.
   */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ compress });
  }

  /** Drops the packet for sockets that cannot write now or are backed up (see `slowConsumer`). */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ volatile: true });
  }

  /** Reaches sockets of this process only. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ local: true });
  }

  /** Sets how long (ms) to wait for acknowledgements. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ timeout: ms });
  }

  /**
   * Emits to every selected socket; the packet is encoded once. A function as last argument
   * collects acknowledgements: `(error, responses)`, error set when the timeout expires first.
   */
  emit<E extends EventNames<EmitEvents>>(event: E, ...args: EventParams<EmitEvents, E>): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const data: unknown[] = [event, ...args];
    const packet: SocketPacket = { type: SocketPacketType.EVENT, nsp: this.#nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last !== "function") {
      this.#nsp.adapter.broadcast(packet, this.#options());
      return true;
    }
    data.pop();
    this.#broadcastWithAck(packet, last as BroadcastAck);
    return true;
  }

  /** Emits and resolves with every acknowledgement; rejects when the timeout expires first. */
  emitWithAck<E extends EventNames<EmitEvents>>(event: E, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      // as in the reference, the rejection carries the acknowledgements that did arrive
      const callback: BroadcastAck = (error, responses) =>
        error ? reject(Object.assign(error, { responses })) : resolve(responses);
      (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args, callback);
    });
  }

  /** The selected sockets (local sockets are the socket objects themselves). */
  fetchSockets(): Promise<RemoteSocketLike[]> {
    return this.#nsp.adapter.fetchSockets(this.#options());
  }

  /** Ids of the selected sockets (socket.io 4's deprecated form of `fetchSockets`). */
  async allSockets(): Promise<Set<SocketId>> {
    return new Set((await this.fetchSockets()).map((socket) => socket.id));
  }

  /** Makes the selected sockets join a room or rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.#nsp.adapter.addSockets(this.#options(), typeof room === "string" ? [room] : [...room]);
  }

  /** Makes the selected sockets leave a room or rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.#nsp.adapter.delSockets(this.#options(), typeof room === "string" ? [room] : [...room]);
  }

  /** Disconnects the selected sockets; with `close`, closes their connections too. */
  disconnectSockets(close = false): void {
    this.#nsp.adapter.disconnectSockets(this.#options(), close);
  }

  #broadcastWithAck(packet: SocketPacket, ack: BroadcastAck): void {
    const responses: unknown[] = [];
    let done = false;
    let expectedServers = -1;
    let reportedServers = 0;
    let expectedClients = 0;
    const timeout = this.#flags.timeout;
    const timer = timeout === undefined ? undefined : setTimeout(() => {
      if (done) return;
      done = true;
      ack(new Error(TIMEOUT_ERROR), responses);
    }, timeout);
    const check = () => {
      if (done || expectedServers !== reportedServers || responses.length !== expectedClients) {
        return;
      }
      done = true;
      clearTimeout(timer);
      ack(null, responses);
    };
    const adapter = this.#nsp.adapter;
    adapter.broadcastWithAck(packet, this.#options(), (count) => {
      expectedClients += count;
      reportedServers++;
      check();
    }, (response) => {
      responses.push(response);
      check();
    });
    adapter.serverCount().then((count) => {
      expectedServers = this.#flags.local ? 1 : count;
      check();
    }, () => {
      expectedServers = reportedServers;
      check();
    });
  }

  #options(): BroadcastOptions {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#nsp, this.#rooms, this.#except, {
      ...this.#flags,
      ...flags,
    });
  }
}

function union(rooms: ReadonlySet<Room>, more: Room | readonly Room[]): Set<Room> {
  const result = new Set(rooms);
  if (typeof more === "string") result.add(more);
  else for (const room of more) result.add(room);
  return result;
}
