/**
 * What each packet type may carry, as the reference parser's isPacketValid decides it.
 * Checks return the reason a packet is refused, or undefined: nothing to allocate when
 * the packet is fine.
 * @module
 */
import { SocketPacketType } from "./packet.ts";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR } = SocketPacketType;

/**
 * Event names with a special meaning in Socket.IO, which a peer may not emit (the reference
 * parser refuses them too).
 *
 * @example
 * ```ts
 * import { RESERVED_EVENTS } from "./validate.ts";
 * RESERVED_EVENTS.has("disconnect"); // true
 * ```
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** The shortest and longest reserved names. */
const RESERVED_MIN_LENGTH = 7;
const RESERVED_MAX_LENGTH = 14;

/**
 * Whether `name` is in `RESERVED_EVENTS` (a packet middleware may have left anything there); names of another length (most of them) are answered
 * without hashing the string, which is a fresh one for every decoded event.
 *
 * @example
 * ```ts
 * import { isReservedEvent } from "./validate.ts";
 * isReservedEvent("disconnect"); // true
 * isReservedEvent("chat:message"); // false
 * ```
 */
export function isReservedEvent(name: unknown): boolean {
  if (typeof name !== "string") return false;
  const length = name.length;
  return length >= RESERVED_MIN_LENGTH && length <= RESERVED_MAX_LENGTH &&
    RESERVED_EVENTS.has(name);
}

const TYPE_NAMES: readonly string[] = [
  "CONNECT",
  "DISCONNECT",
  "EVENT",
  "ACK",
  "CONNECT_ERROR",
  "BINARY_EVENT",
  "BINARY_ACK",
];

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks the data of a decoded packet against its type (give BINARY_EVENT and BINARY_ACK as
 * EVENT and ACK): CONNECT data absent or a plain object; DISCONNECT no data; EVENT a
 * non-empty array whose first element is a string and not a reserved event name; ACK an
 * array; CONNECT_ERROR a string or a plain object. `data` is fresh from JSON.parse.
 * Returns why the data is refused, or undefined.
 *
 * @example
 * ```ts
 * import { dataError } from "./validate.ts";
 * dataError(2, ["message", 1]); // undefined
 * dataError(2, [1]); // "EVENT data must be an array starting with the event name (a string)"
 * ```
 */
export function dataError(type: number, data: unknown): string | undefined {
  switch (type) {
    case CONNECT:
      return data === undefined || isPlainObject(data)
        ? undefined
        : "CONNECT data must be a plain object";
    case DISCONNECT:
      return data === undefined ? undefined : "DISCONNECT packet must not carry data";
    case EVENT:
      if (!Array.isArray(data) || typeof data[0] !== "string") {
        return "EVENT data must be an array starting with the event name (a string)";
      }
      return isReservedEvent(data[0])
        ? `reserved event name ${JSON.stringify(data[0])}`
        : undefined;
    case ACK:
      return Array.isArray(data) ? undefined : "ACK data must be an array";
    case CONNECT_ERROR:
      return typeof data === "string" || isPlainObject(data)
        ? undefined
        : "CONNECT_ERROR data must be a string or a plain object";
    default:
      return `unknown packet type ${type}`;
  }
}

/**
 * Checks an ack id against its packet type (give BINARY_EVENT and BINARY_ACK as EVENT and
 * ACK): only EVENT and ACK carry one, and ACK must. Returns why the packet is refused, or
 * undefined.
 *
 * @example
 * ```ts
 * import { ackIdError } from "./validate.ts";
 * ackIdError(3, 12); // undefined
 * ackIdError(3, undefined); // "ACK packet without an ack id"
 * ackIdError(0, 12); // "ack id on a CONNECT packet"
 * ```
 */
export function ackIdError(type: number, id: number | undefined): string | undefined {
  if (type === ACK) return id === undefined ? "ACK packet without an ack id" : undefined;
  if (id !== undefined && type !== EVENT) return `ack id on a ${TYPE_NAMES[type]} packet`;
  return undefined;
}
