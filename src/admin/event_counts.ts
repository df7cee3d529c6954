/**
 * Counts for the dashboard's charts, per second, type and sub-type, taken (and reset) by each
 * `server_stats` report.
 * @module
 */
import type { AggregatedEvent } from "./protocol.ts";

/** Per-second counts of connections, disconnections, packets and bytes. */
export class EventCounts {
  #counts = new Map<string, AggregatedEvent>();

  /** Adds `count` to this second's `type` (and `subType`). */
  add(type: string, subType?: string, count = 1): void {
    const second = Math.floor(Date.now() / 1000) * 1000;
    const key = `${second};${type};${subType ?? ""}`;
    const entry = this.#counts.get(key);
    if (entry) entry.count += count;
    else {
      this.#counts.set(
        key,
        subType === undefined
          ? { timestamp: second, type, count }
          : { timestamp: second, type, subType, count },
      );
    }
  }

  /** Every count since the last call, then starts afresh. */
  take(): AggregatedEvent[] {
    const values = [...this.#counts.values()];
    this.#counts.clear();
    return values;
  }
}

/** The UTF-8 size of a string (what the wire carries), without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 2; // a surrogate pair: two code units, four bytes
      i++;
    } else {
      bytes += 2; // three bytes (a lone surrogate too: its replacement character)
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
