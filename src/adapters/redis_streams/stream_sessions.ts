/**
 * Connection state recovery the way `@socket.io/redis-streams-adapter` 0.3 does it, so a client
 * recovers on a Node server or on ours alike: a session is `SET <prefix><pid>` (MessagePack as
 * base64) for `maxDisconnectionDuration`, the offset is a stream entry id, and the missed
 * packets are read from the stream itself (broadcasts of the namespace after that entry that
 * the session's rooms would have received).
 * @module
 */
import type {
  RecoveredSession,
  ResolvedRecovery,
  SessionToPersist,
} from "../../server/recovery.ts";
import { packetReaches } from "../../server/recovery.ts";
import { localOptions } from "../redis/conversions.ts";
import type { PubSub } from "../redis/clients.ts";
import { eventOf, MessageType, optionsOf, requestIdOf } from "../cluster/message.ts";
import { decodeSession, decodeStreamFields, encodeSession } from "./stream_codec.ts";
import { entriesOfRange } from "./stream_reader.ts";

/** Entries read per XRANGE while collecting missed packets. */
const BATCH = 1000;

/** Where one namespace's sessions live. */
export interface StreamSessionsOptions {
  /** The namespace. */
  readonly nsp: string;
  /** Its stream. */
  readonly stream: string;
  /** Prefix of session keys (default "sio:session:"). */
  readonly sessionKeyPrefix: string;
  /** The stream's MAXLEN: bounds how many entries a restore reads. */
  readonly maxLen: number;
  /** The server's recovery settings. */
  readonly recovery: ResolvedRecovery;
}

/** Keeps a session for `maxDisconnectionDuration`. */
export async function persistStreamSession(
  redis: PubSub,
  options: StreamSessionsOptions,
  session: SessionToPersist,
): Promise<void> {
  const value = encodeSession({
    sid: session.sid,
    pid: session.pid,
    rooms: [...session.rooms],
    data: session.data,
  });
  const ttl = String(Math.ceil(options.recovery.maxDisconnectionDuration));
  await redis.command(["SET", options.sessionKeyPrefix + session.pid, value, "PX", ttl]);
}

/**
 * Takes a session (once) with the packets after `offset` it missed; undefined when the
 * offset is not an entry id, or the session or the entry is gone.
 */
export async function restoreStreamSession(
  redis: PubSub,
  options: StreamSessionsOptions,
  pid: string,
  offset: string,
): Promise<RecoveredSession | undefined> {
  if (!/^\d+-\d+$/.test(offset)) return undefined;
  const [stored, found] = await Promise.all([
    redis.command(["GETDEL", options.sessionKeyPrefix + pid]),
    redis.command(["XRANGE", options.stream, offset, offset]),
  ]);
  const session = typeof stored === "string" ? decodeSession(stored) : undefined;
  if (!session || entriesOfRange(found).length === 0) return undefined;
  const missedPackets: unknown[][] = [];
  let after = offset;
  // the stream holds about maxLen entries: reading more than that means it is racing ahead
  const rounds = Math.ceil(options.maxLen / BATCH) + 2;
  for (let round = 0; round < rounds; round++) {
    const reply = await redis.command([
      "XRANGE",
      options.stream,
      "(" + after,
      "+",
      "COUNT",
      String(BATCH),
    ]);
    const entries = entriesOfRange(reply);
    for (const entry of entries) {
      after = entry.id;
      const missed = missedPacket(entry.fields, options.nsp, session.rooms);
      if (missed) missedPackets.push([...missed, entry.id]);
    }
    if (entries.length < BATCH) break;
  }
  return { sid: session.sid, pid, rooms: session.rooms, data: session.data, missedPackets };
}

/** The event of a logged broadcast that a socket in `rooms` would have received. */
function missedPacket(
  fields: Readonly<Record<string, string>>,
  nsp: string,
  rooms: readonly string[],
): unknown[] | undefined {
  if (fields.nsp !== nsp || fields.type !== String(MessageType.BROADCAST)) return undefined;
  const decoded = decodeStreamFields(fields);
  if (!decoded.ok) return undefined;
  const { data } = decoded.value;
  if (requestIdOf(data) !== undefined) return undefined;
  const options = localOptions(optionsOf(data));
  // volatile broadcasts carry no offset when delivered: replaying them would be wrong
  if (options.flags.volatile) return undefined;
  return packetReaches(rooms, options) ? eventOf(data?.packet) : undefined;
}
