/**
 * Connection state recovery across a Redis cluster: sessions and the packet log live in Redis,
 * under keys of their own (the pub/sub protocol the Node servers speak is untouched), so a
 * client can recover on any server.
 *
 * - `<key>-recovery#<nsp>#log`: a stream, one entry per packet sent with an offset by any
 *   server (`o` the offset, `p` the packet: MessagePack as base64), capped at
 *   `maxBufferedPackets` (`MAXLEN ~`) and at `maxBufferedBytes` of encoded packets, expiring
 *   2 × `maxDisconnectionDuration` after the last write. An entry's id is the running total
 *   of the bytes logged (`<total>-0`), so the byte cap is one `XTRIM MINID`; a script appends
 *   and trims atomically, whichever server writes.
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

/**
 * Appends a packet to the log and trims it. KEYS[1] the log; ARGV: the entry's size, the byte
 * cap, the packet cap, the TTL (ms), the offset, the packet. The new id is the last id's
 * first part plus the size (an existing log with time ids carries on from there); the
 * newest entry always stays.
 */
const APPEND_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local total = 0
if last[1] then total = tonumber(string.match(last[1][1], '^(%d+)')) end
local id = total + tonumber(ARGV[1])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], string.format('%.0f', id) .. '-0',
  'o', ARGV[5], 'p', ARGV[6])
local floor = id - tonumber(ARGV[2]) + 1
if floor > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', floor))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

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

  /** Appends a packet to the log, trimmed to its caps, in one script run. */
  addPacket(offset: string, data: unknown[], opts: BroadcastOptions): Promise<unknown> {
    const entry: LoggedPacket = { d: data, r: [...opts.rooms], e: [...opts.except] };
    const packed = pack(entry);
    const { maxBufferedPackets, maxBufferedBytes, maxDisconnectionDuration } = this.#options;
    // the log may hold at least the newest entry, so its size is what counts
    const size = packed.length + offset.length;
    const maxBytes = Number.isFinite(maxBufferedBytes)
      ? Math.max(1, Math.floor(maxBufferedBytes))
      : Number.MAX_SAFE_INTEGER;
    return this.#redis.command([
      "EVAL",
      APPEND_SCRIPT,
      "1",
      this.#log,
      String(size),
      String(maxBytes),
      String(maxBufferedPackets),
      String(Math.ceil(2 * maxDisconnectionDuration)),
      offset,
      packed,
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
