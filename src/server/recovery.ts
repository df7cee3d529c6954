/**
 * Connection state recovery: what a disconnected socket leaves behind (its session), the
 * offsets that tag every stored packet, and the in-memory store of sessions and packets that
 * the in-memory adapter keeps (a cluster adapter may keep them elsewhere).
 * @module
 */
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import type { Adapter } from "./adapter.ts";
import type { BroadcastOptions, DisconnectReason, Room, SocketId } from "./types.ts";

const log = getLogger("server");

/**
 * The `connectionStateRecovery` option: a client that lost its connection for a recoverable
 * reason and comes back within `maxDisconnectionDuration` gets its socket back (same id,
 * rooms and `data`) plus the packets it missed, and `socket.recovered` is true.
 */
export interface ConnectionStateRecoveryOptions {
  /** How long (ms) a session is kept after a disconnection. Default 120000 (2 minutes). */
  maxDisconnectionDuration?: number;
  /**
   * Whether a recovered socket skips the connection middlewares (and so a gateway's `use`
   * and `connect` hooks). Default true.
   */
  skipMiddlewares?: boolean;
  /**
   * Most packets kept per namespace for reconnecting clients (the oldest go first; a client
   * whose last offset was dropped gets a new session). Default 10000.
   */
  maxBufferedPackets?: number;
  /**
   * Most bytes of packets kept per namespace (their approximate encoded size; the oldest go
   * first, the newest packet always stays). Default 16777216 (16 MiB).
   */
  maxBufferedBytes?: number;
}

/** The recovery option with its defaults applied. */
export interface ResolvedRecovery {
  /** How long (ms) a session is kept after a disconnection. */
  readonly maxDisconnectionDuration: number;
  /** Whether a recovered socket skips the connection middlewares. */
  readonly skipMiddlewares: boolean;
  /** Most packets kept per namespace. */
  readonly maxBufferedPackets: number;
  /** Most bytes of packets kept per namespace. */
  readonly maxBufferedBytes: number;
}

/** What a socket leaves behind when it disconnects for a recoverable reason. */
export interface SessionToPersist {
  /** The socket id, given back on recovery. */
  readonly sid: SocketId;
  /** The private session id the client presents to recover. */
  readonly pid: string;
  /** The rooms the socket was in (its own id included). */
  readonly rooms: readonly Room[];
  /** The socket's `data`. */
  readonly data: unknown;
}

/** A session found again, with the event arguments (offset last) the client missed. */
export interface RecoveredSession extends SessionToPersist {
  /** Data arrays of the missed EVENT packets, in order, each ending with its offset. */
  readonly missedPackets: readonly unknown[][];
}

/** Disconnection reasons after which a session is kept (the reference server's list). */
export const RECOVERABLE_REASONS: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);

/**
 * Hands a disconnected socket's session to the adapter to keep; failures are only logged. An
 * adapter that keeps it asynchronously gives a promise that resolves (never rejects) once done.
 */
export function persistSession(
  adapter: Adapter,
  session: SessionToPersist,
): Promise<void> | undefined {
  try {
    const persisted = adapter.persistSession?.(session);
    if (persisted instanceof Promise) {
      return persisted.catch((error) => log.error("could not persist a session", { error }));
    }
  } catch (error) {
    log.error("could not persist a session", { sid: session.sid, error });
  }
  return undefined;
}

/**
 * The session a CONNECT's `pid` and `offset` name, when the adapter still holds it and no
 * connected socket has its id; undefined otherwise (failures are logged).
 */
export async function findSession(
  adapter: Adapter,
  nsp: string,
  auth: Record<string, unknown>,
  isConnected: (sid: SocketId) => boolean,
): Promise<RecoveredSession | undefined> {
  const { pid, offset } = auth;
  if (typeof pid !== "string" || typeof offset !== "string") return undefined;
  try {
    const session = await adapter.restoreSession?.(pid, offset);
    if (!session || isConnected(session.sid)) return undefined;
    log.debug("connection state recovered", { nsp, sid: session.sid });
    return session;
  } catch (error) {
    log.error("could not restore a session", { nsp, error });
    return undefined;
  }
}

/** Makes unique, increasing offsets: a random prefix per generator, then a counter. */
export class OffsetGenerator {
  readonly #prefix = generateId().slice(0, 8);
  #counter = 0;

  /** The next offset. */
  next(): string {
    return `${this.#prefix}-${(this.#counter++).toString(36)}`;
  }
}

/** Whether a packet sent with `opts` would have reached a socket in `rooms`. */
export function packetReaches(rooms: readonly Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  const excluded = rooms.some((room) => opts.except.has(room));
  return included && !excluded;
}

/**
 * About how many bytes `data` takes once encoded: strings count their length, binary its
 * bytes, numbers 8, and each array element or object key a little more. Shared values are
 * counted once (so a cycle ends the walk).
 */
export function approximateSize(data: unknown): number {
  let size = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") size += value.length + 2;
    else if (typeof value !== "object" || value === null) size += 8;
    else if (seen.has(value)) continue;
    else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      seen.add(value);
      size += value.byteLength;
    } else {
      seen.add(value);
      size += 2;
      if (Array.isArray(value)) {
        size += value.length;
        for (const item of value) stack.push(item);
      } else {
        for (const [key, item] of Object.entries(value)) {
          size += key.length + 4;
          stack.push(item);
        }
      }
    }
  }
  return size;
}

interface StoredPacket {
  readonly offset: string;
  readonly at: number;
  readonly bytes: number;
  readonly data: unknown[];
  readonly opts: BroadcastOptions;
}

/** What a dropped packet's slot holds until the array is compacted. */
const DROPPED: StoredPacket = {
  offset: "",
  at: 0,
  bytes: 0,
  data: [],
  opts: { rooms: new Set(), except: new Set(), flags: {} },
};

interface StoredSession {
  readonly session: SessionToPersist;
  readonly expiresAt: number;
}

/**
 * Sessions and recent packets of one namespace, in memory. Sessions expire after
 * `maxDisconnectionDuration` (one timer for the oldest); packets are dropped when older than
 * that or beyond `maxBufferedPackets`.
 */
export class InMemorySessionStore {
  readonly #options: ResolvedRecovery;
  readonly #sessions = new Map<string, StoredSession>();
  #packets: StoredPacket[] = [];
  #head = 0;
  /** Bytes of the packets from `#head` on. */
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** A store honouring `options`. */
  constructor(options: ResolvedRecovery) {
    this.#options = options;
  }

  /** How many sessions and packets are held (for tests). */
  get size(): { sessions: number; packets: number; bytes: number } {
    return {
      sessions: this.#sessions.size,
      packets: this.#packets.length - this.#head,
      bytes: this.#bytes,
    };
  }

  /** Keeps a packet that went out with `offset` (last element of `data`). */
  addPacket(offset: string, data: unknown[], opts: BroadcastOptions): void {
    const at = Date.now();
    const bytes = approximateSize(data);
    this.#packets.push({ offset, at, bytes, data, opts });
    this.#bytes += bytes;
    this.#prunePackets(at);
  }

  /** Keeps a session until `maxDisconnectionDuration` has passed. */
  persist(session: SessionToPersist): void {
    const now = Date.now();
    this.#sessions.delete(session.pid);
    this.#sessions.set(session.pid, {
      session,
      expiresAt: now + this.#options.maxDisconnectionDuration,
    });
    this.#pruneSessions(now);
    this.#arm();
  }

  /**
   * Takes a session back (once) with the packets after `offset` that it would have received;
   * undefined when the session is unknown or expired, or the offset is not held any more.
   */
  restore(pid: string, offset: string): RecoveredSession | undefined {
    const now = Date.now();
    this.#pruneSessions(now);
    this.#prunePackets(now);
    const stored = this.#sessions.get(pid);
    if (!stored) return undefined;
    this.#sessions.delete(pid);
    let index = -1;
    for (let i = this.#packets.length - 1; i >= this.#head; i--) {
      if (this.#packets[i].offset === offset) {
        index = i;
        break;
      }
    }
    if (index === -1) return undefined;
    const { session } = stored;
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.#packets.length; i++) {
      const packet = this.#packets[i];
      if (packetReaches(session.rooms, packet.opts)) missedPackets.push(packet.data);
    }
    return { ...session, missedPackets };
  }

  /** Forgets everything and stops the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sessions.clear();
    this.#packets = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #pruneSessions(now: number): void {
    // insertion order is expiry order: every session has the same lifetime
    for (const [pid, stored] of this.#sessions) {
      if (stored.expiresAt > now) break;
      this.#sessions.delete(pid);
    }
  }

  #prunePackets(now: number): void {
    const oldest = now - this.#options.maxDisconnectionDuration;
    const packets = this.#packets;
    const { maxBufferedPackets: max, maxBufferedBytes: maxBytes } = this.#options;
    while (
      this.#head < packets.length &&
      (packets.length - this.#head > max || packets[this.#head].at < oldest ||
        (this.#bytes > maxBytes && packets.length - this.#head > 1))
    ) {
      this.#bytes -= packets[this.#head].bytes;
      // the slot stays until the array is compacted: let go of the packet's data now
      packets[this.#head++] = DROPPED;
    }
    if (this.#head === packets.length) {
      this.#packets = [];
      this.#head = 0;
      this.#bytes = 0;
    } else if (this.#head > 1024 && this.#head * 2 > packets.length) {
      this.#packets = packets.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const first = this.#sessions.values().next();
    if (first.done) return;
    const delay = Math.max(0, first.value.expiresAt - Date.now()) + 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = Date.now();
      this.#pruneSessions(now);
      this.#prunePackets(now);
      this.#arm();
    }, delay);
  }
}
