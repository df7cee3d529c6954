/**
 * Finding binary values (ArrayBuffer, any ArrayBufferView) in packet data, the way
 * JSON.stringify would see that data (objects with `toJSON` are looked at through it).
 * @module
 */

/**
 * Tells whether a value is raw binary data: an ArrayBuffer or any ArrayBufferView
 * (Uint8Array, Buffer, DataView, other typed arrays).
 *
 * @example
 * ```ts
 * import { isBinary } from "./binary.ts";
 * isBinary(new Uint8Array(2)); // true
 * isBinary([1, 2]); // false
 * ```
 */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Tells whether a value, or anything nested in its arrays and objects, is binary.
 * Objects with a `toJSON` method are inspected through its result, as JSON.stringify
 * would serialize them. Cyclic data throws a RangeError, as JSON.stringify would throw.
 *
 * @example
 * ```ts
 * import { hasBinary } from "./binary.ts";
 * hasBinary(["file", { body: new Uint8Array([1, 2]) }]); // true
 * hasBinary(["text", { body: "12" }]); // false
 * ```
 */
export function hasBinary(value: unknown): boolean {
  return search(value, false);
}

function search(value: unknown, viaToJSON: boolean): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (search(value[i], false)) return true;
    }
    return false;
  }
  if (isBinary(value)) return true;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !viaToJSON) return search(toJSON.call(value), true);
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (Object.hasOwn(record, key) && search(record[key], false)) return true;
  }
  return false;
}

/**
 * Views binary data as a Uint8Array without copying: a Uint8Array (or Buffer) is returned
 * as is, an ArrayBuffer or another view is wrapped over the same bytes.
 *
 * @example
 * ```ts
 * import { toUint8Array } from "./binary.ts";
 * toUint8Array(new Uint16Array([1]).buffer); // Uint8Array [1, 0]
 * ```
 */
export function toUint8Array(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
