/**
 * Connection state recovery across a Redis cluster: sessions and the packet log live in Redis,
 * under keys of their own (the pub/sub protocol the Node servers speak is untouched), so a
 * client can recover on any server.
 *
 * - `<key>-recovery#<nsp>#log`: a stream, one entry per packet sent with an offset by any
 *   server (`o` the offset, `p` the packet: MessagePack as base64), capped at
 *   `maxBufferedPackets` (`MAXLEN ~`), expiring 2 × `maxDisconnectionDuration` after the last
 *   write.
 * - `<key>-recovery#<nsp>#session#<pid>`: a session (MessagePack as base64), with a TTL of
 *   `maxDisconnectionDuration`; taken with GETDEL, so it recovers once.
 *
 * `<nsp>` and `<pid>` are written with "%" and "#" escaped, so no namespace name or pid a
 * client chooses can name another namespace's key.
 * @module
 */
import { decodeBase64, encodeBase64 } from "../../_internal/base64.ts";
import {
  packetReaches,
  type RecoveredSession,
  type ResolvedRecovery,
  type SessionToPersist,
} from "../../server/recovery.ts";
import type { BroadcastOptions } from "../../server/types.ts";
import type { PubSub } from "./clients.ts";
import { decodeMsgpack, encodeMsgpack } from "./codec.ts";

/** Stream entries read per XREVRANGE while looking for an offset. */
const BATCH = 256;

interface LoggedPacket {
  readonly d: unknown[];
  readonly r: string[];
  readonly e: string[];
}

/** Sessions and the packet log of one namespace, in Redis. */
export class RedisSessionStore {
  readonly #redis: PubSub;
  readonly #options: ResolvedRecovery;
  readonly #log: string;
  readonly #sessionPrefix: string;

  /** The store of namespace `nsp` under prefix `key`, sending commands on `redis`. */
  constructor(redis: PubSub, key: string, nsp: string, options: ResolvedRecovery) {
    this.#redis = redis;
    this.#options = options;
    this.#log = `${key}-recovery#${keyPart(nsp)}#log`;
    this.#sessionPrefix = `${key}-recovery#${keyPart(nsp)}#session#`;
  }

  /** Appends a packet to the log (both commands are pipelined on one connection, in order). */
  addPacket(offset: string, data: unknown[], opts: BroadcastOptions): Promise<unknown> {
    const entry: LoggedPacket = { d: data, r: [...opts.rooms], e: [...opts.except] };
    const max = String(this.#options.maxBufferedPackets);
    const ttl = String(2 * this.#options.maxDisconnectionDuration);
    return Promise.all([
      this.#redis.command([
        "XADD",
        this.#log,
        "MAXLEN",
        "~",
        max,
        "*",
        "o",
        offset,
        "p",
        pack(entry),
      ]),
      this.#redis.command(["PEXPIRE", this.#log, ttl]),
    ]);
  }

  /** Keeps a session for `maxDisconnectionDuration`. */
  async persist(session: SessionToPersist): Promise<void> {
    const ttl = String(Math.ceil(this.#options.maxDisconnectionDuration));
    const value = pack({ ...session, rooms: [...session.rooms] });
    await this.#redis.command([
      "SET",
      this.#sessionPrefix + keyPart(session.pid),
      value,
      "PX",
      ttl,
    ]);
  }

  /**
   * Takes a session (once) and the logged packets after `offset` it would have received;
   * undefined when the session expired or is unknown, or the offset is not in the log.
   */
  async restore(pid: string, offset: string): Promise<RecoveredSession | undefined> {
    const stored = await this.#redis.command(["GETDEL", this.#sessionPrefix + keyPart(pid)]);
    const session = typeof stored === "string" ? unpack(stored) as SessionToPersist : undefined;
    if (!session || typeof session.sid !== "string" || !Array.isArray(session.rooms)) {
      return undefined;
    }
    const missed = await this.#packetsAfter(offset, session.rooms);
    if (!missed) return undefined;
    return {
      sid: session.sid,
      pid,
      rooms: session.rooms,
      data: session.data,
      missedPackets: missed,
    };
  }

  /** Reads the log backwards down to `offset`; the packets after it for `rooms`, in order. */
  async #packetsAfter(offset: string, rooms: readonly string[]): Promise<unknown[][] | undefined> {
    const found: unknown[][] = [];
    let end = "+";
    let scanned = 0;
    const limit = this.#options.maxBufferedPackets + BATCH;
    while (scanned < limit) {
      const reply = await this.#redis.command([
        "XREVRANGE",
        this.#log,
        end,
        "-",
        "COUNT",
        String(BATCH),
      ]);
      const entries = Array.isArray(reply) ? reply : [];
      for (const entry of entries) {
        const [id, fields] = entry as [string, unknown];
        end = "(" + id;
        const values = fieldsOf(fields);
        if (values.o === offset) return found.reverse();
        const packet = values.p === undefined ? undefined : unpack(values.p) as LoggedPacket;
        if (!packet || !Array.isArray(packet.d)) continue;
        const opts = { rooms: new Set(packet.r), except: new Set(packet.e), flags: {} };
        if (packetReaches(rooms, opts)) found.push(packet.d);
      }
      scanned += entries.length;
      if (entries.length < BATCH) return undefined;
    }
    return undefined;
  }
}

function pack(value: unknown): string {
  return encodeBase64(encodeMsgpack(value));
}

function unpack(text: string): unknown {
  const bytes = decodeBase64(text);
  if (!bytes) return undefined;
  const decoded = decodeMsgpack(bytes);
  return decoded.ok ? decoded.value : undefined;
}

/** The fields of a stream entry: a flat array (RESP2), a Map or an object (RESP3). */
function fieldsOf(fields: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      result[String(fields[i])] = String(fields[i + 1]);
    }
  } else if (fields instanceof Map) {
    for (const [key, value] of fields) result[String(key)] = String(value);
  } else if (typeof fields === "object" && fields !== null) {
    for (const [key, value] of Object.entries(fields)) result[key] = String(value);
  }
  return result;
}

/** A name as one part of a key: "%" and "#" escaped, so the parts of a key never blur. */
export function keyPart(name: string): string {
  return name.replaceAll("%", "%25").replaceAll("#", "%23");
}
