/**
 * Reading one Redis stream from a connection of its own: XREAD BLOCK in a loop, each entry
 * handed over with its id. It starts after the stream's last entry at the time it starts (so
 * no entry added after `start` resolves is missed), and stops when its connection closes.
 * @module
 */
import { getLogger } from "../../_internal/log.ts";
import type { PubSub } from "../redis/clients.ts";

const log = getLogger("redis");

/** Pause after a failed XREAD before the next, so a broken connection never spins. */
const RETRY_MS = 200;

/** One stream entry: its id and fields. */
export interface StreamEntry {
  /** The entry id (`<ms>-<seq>`), the offset of a recovered packet. */
  readonly id: string;
  /** Its fields, as text. */
  readonly fields: Record<string, string>;
}

/** What `startStreamReader` needs. */
export interface StreamReaderOptions {
  /** The stream. */
  readonly stream: string;
  /** Entries per XREAD. */
  readonly readCount: number;
  /** Ms an XREAD blocks. */
  readonly blockTimeInMs: number;
  /** Where entries go, in stream order. */
  readonly onEntry: (entry: StreamEntry) => void;
}

/** A running reader. */
export interface StreamReader {
  /** Ends the loop after the XREAD under way (whose connection the caller closes). */
  stop(): void;
}

/**
 * Reads `options.stream` on `reader` (a connection only it uses: XREAD blocks it) from the
 * entry after `startId` ("0-0" for an empty stream).
 */
export function startStreamReader(
  reader: PubSub,
  startId: string,
  options: StreamReaderOptions,
): StreamReader {
  let stopped = false;
  let offset = startId;
  const { stream, readCount, blockTimeInMs, onEntry } = options;
  const loop = async () => {
    while (!stopped) {
      let reply: unknown;
      try {
        reply = await reader.command([
          "XREAD",
          "COUNT",
          String(readCount),
          "BLOCK",
          String(blockTimeInMs),
          "STREAMS",
          stream,
          offset,
        ]);
      } catch (error) {
        if (stopped) return;
        log.debug("XREAD failed", { stream, error });
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      for (const entry of entriesOfRead(reply)) {
        offset = entry.id;
        try {
          onEntry(entry);
        } catch (error) {
          log.error("a stream entry handler threw", { stream, error });
        }
      }
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
    },
  };
}

/** The entries of an XREAD reply for one stream: `[[name, entries]]` (RESP2) or a Map. */
export function entriesOfRead(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  let entries: unknown;
  if (Array.isArray(reply)) {
    const first = reply[0];
    entries = Array.isArray(first) ? first[1] : (first as { messages?: unknown })?.messages;
  } else if (reply instanceof Map) {
    entries = [...reply.values()][0];
  } else if (typeof reply === "object") {
    entries = Object.values(reply)[0];
  }
  return entriesOfRange(entries);
}

/** The entries of an XRANGE reply: `[[id, [field, value, …]], …]`. */
export function entriesOfRange(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 2) continue;
    const id = textOf(item[0]);
    if (!/^\d+-\d+$/.test(id)) continue;
    entries.push({ id, fields: fieldsOf(item[1]) });
  }
  return entries;
}

/** The fields of a stream entry: a flat array (RESP2), a Map or an object (RESP3). */
function fieldsOf(fields: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      result[textOf(fields[i])] = textOf(fields[i + 1]);
    }
  } else if (fields instanceof Map) {
    for (const [key, value] of fields) result[textOf(key)] = textOf(value);
  } else if (typeof fields === "object" && fields !== null) {
    for (const [key, value] of Object.entries(fields)) result[key] = textOf(value);
  }
  return result;
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}
