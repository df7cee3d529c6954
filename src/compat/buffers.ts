/**
 * socket.io on Node hands binary data to listeners and acknowledgements as `Buffer`; the core
 * gives `Uint8Array`. These helpers view (not copy) every Uint8Array as a Buffer.
 * @module
 */
import { Buffer } from "node:buffer";

/** Replaces, in place, every Uint8Array in `value` (arrays and plain objects) by a Buffer view. */
export function toBuffers(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (depth > 64 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = toBuffers(value[i], depth + 1);
    return value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = toBuffers(record[key], depth + 1);
  return value;
}

/** Whether a packet's arguments hold binary data (checked before converting). */
export function hasBytes(value: unknown, depth = 0): boolean {
  if (value instanceof Uint8Array) return !Buffer.isBuffer(value);
  if (depth > 64 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((item) => hasBytes(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).some((item) => hasBytes(item, depth + 1));
}
