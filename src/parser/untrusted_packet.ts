/**
 * Checking a packet that a user-supplied parser decoded from peer input: its shape is not
 * trusted, so it gets the checks our own decoder applies while parsing (validate.ts), plus a
 * walk of its data for depth, prototypes and binary values.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";
import { isBinary, toUint8Array } from "./binary.ts";
import type { Container } from "./data_walk.ts";
import { type SocketPacket, SocketPacketType } from "./packet.ts";
import { ackIdError, dataError } from "./validate.ts";

const { EVENT, ACK, BINARY_EVENT, BINARY_ACK } = SocketPacketType;

/**
 * Checks what a user-supplied parser's decoder emitted and returns a fresh packet of the shape
 * the server works with. Refused: anything but an object; a type other than an integer 0–6;
 * a namespace that is not a string starting with "/"; an ack id that is not a safe integer
 * ≥ 0, or where its type allows none (see `ackIdError`); data that does not fit the type (see
 * `dataError`), except that an EVENT may be named by a finite number, as socket.io-parser
 * allows (the name becomes its string form, so `events: { "1": … }` receives it); data nested
 * deeper than `maxDepth` arrays and objects; an object with an own `__proto__` key or whose
 * prototype came from the data. BINARY_EVENT and BINARY_ACK come back as EVENT and ACK;
 * binary values (ArrayBuffer, typed arrays, DataView) come back as Uint8Array, as with the
 * built-in parser. The data is changed in place: it is fresh from the decoder.
 *
 * @example
 * ```ts
 * import { checkUntrustedPacket } from "./untrusted_packet.ts";
 * checkUntrustedPacket({ type: 2, nsp: "/", data: ["hi", new ArrayBuffer(2)], id: 1 }, 32);
 * // { ok: true, value: { type: 2, nsp: "/", data: ["hi", Uint8Array [0, 0]], id: 1 } }
 * checkUntrustedPacket({ type: 2, nsp: "chat", data: ["hi"] }, 32).ok; // false
 * checkUntrustedPacket({ type: 3, nsp: "/", data: [], id: -1 }, 32).ok; // false
 * ```
 */
export function checkUntrustedPacket(value: unknown, maxDepth: number): Result<SocketPacket> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("decoded packet is not an object");
  }
  const { type: wireType, nsp, data, id } = value as Record<string, unknown>;
  if (typeof wireType !== "number" || !Number.isInteger(wireType) || wireType < 0 || wireType > 6) {
    return fail("unknown packet type");
  }
  const type = wireType === BINARY_EVENT ? EVENT : wireType === BINARY_ACK ? ACK : wireType;
  if (typeof nsp !== "string" || !nsp.startsWith("/")) {
    return fail('invalid namespace: expected a string starting with "/"');
  }
  if (id !== undefined && (!Number.isSafeInteger(id) || (id as number) < 0)) {
    return fail("invalid ack id: not a safe integer ≥ 0");
  }
  const idError = ackIdError(type, id as number | undefined);
  if (idError !== undefined) return fail(idError);
  if (type === EVENT && Array.isArray(data) && typeof data[0] === "number") {
    if (!Number.isFinite(data[0])) return fail("EVENT name is a number that is not finite");
    data[0] = String(data[0]);
  }
  const shapeError = dataError(type, data);
  if (shapeError !== undefined) return fail(shapeError);
  const walkError = checkData(data, maxDepth);
  if (walkError !== undefined) return fail(walkError);

  const packet: SocketPacket = { type: type as SocketPacketType, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id as number;
  return ok(packet);
}

/**
 * Walks the data depth first, without recursion: bounded nesting (which also ends any cycle a
 * faulty decoder made), no `__proto__` key or prototype set by the data, binary values
 * replaced by Uint8Array views. Returns why the data is refused, or undefined.
 */
function checkData(data: unknown, maxDepth: number): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  if (isBinary(data)) return "packet data is binary, where an array or object belongs";
  const nodes: Container[] = [data as Container];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return `packet data nested too deep (limit: ${maxDepth} levels)`;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node, i, depth, nodes, depths);
      continue;
    }
    const error = objectError(node);
    if (error !== undefined) return error;
    const keys = Object.keys(node);
    for (let i = 0; i < keys.length; i++) visit(node, keys[i], depth, nodes, depths);
  }
  return undefined;
}

/** Replaces a binary child by a Uint8Array, or queues an array or object child for the walk. */
function visit(
  holder: Container,
  key: string | number,
  depth: number,
  nodes: Container[],
  depths: number[],
): void {
  const child = holder[key];
  if (typeof child !== "object" || child === null) return;
  if (isBinary(child)) {
    if (!(child instanceof Uint8Array)) holder[key] = toUint8Array(child);
    return;
  }
  nodes.push(child as Container);
  depths.push(depth + 1);
}

/**
 * Refuses an object with an own `__proto__` key (a JSON-based parser makes those) or whose
 * prototype the data set (a msgpack map with a `__proto__` key assigns it): a prototype
 * made by code has a function as its `constructor`, one made from peer data cannot.
 */
function objectError(node: object): string | undefined {
  if (Object.hasOwn(node, "__proto__")) return '"__proto__" key in packet data';
  const proto = Object.getPrototypeOf(node);
  if (proto === Object.prototype || proto === null) return undefined;
  const constructor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  return typeof constructor === "function" ? undefined : "prototype set by packet data";
}
