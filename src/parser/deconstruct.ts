/**
 * Replacing the binary values of packet data with numbered placeholders, copy-on-write.
 * @module
 */
import { isBinary, toUint8Array } from "./binary.ts";

/**
 * Returns data where every binary value (ArrayBuffer or ArrayBufferView, also one reached
 * through a `toJSON` method, as JSON.stringify would reach it) is replaced by
 * `{ _placeholder: true, num: N }`, its bytes appended to `attachments` at index N.
 *
 * Copy-on-write: the caller's data is never modified; only the arrays and objects on the way
 * to a binary value are copied, everything else is shared, and data without binary comes
 * back as the very same value. Objects holding binary are copied as plain objects of their
 * own enumerable keys (what JSON.stringify writes). Cyclic data throws a
 * RangeError, as JSON.stringify would throw.
 *
 * @example
 * ```ts
 * import { replaceBinary } from "./deconstruct.ts";
 * const attachments: Uint8Array[] = [];
 * const data = ["file", { name: "a", body: new Uint8Array([1]) }];
 * JSON.stringify(replaceBinary(data, attachments));
 * // '["file",{"name":"a","body":{"_placeholder":true,"num":0}}]', attachments: [Uint8Array [1]]
 * ```
 */
export function replaceBinary(data: unknown, attachments: Uint8Array[]): unknown {
  return replace(data, "", attachments, false);
}

function replace(
  value: unknown,
  key: string | number,
  attachments: Uint8Array[],
  viaToJSON: boolean,
): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const replaced = replace(item, i, attachments, false);
      if (copy !== undefined) copy.push(replaced);
      else if (replaced !== item) {
        copy = value.slice(0, i);
        copy.push(replaced);
      }
    }
    return copy ?? value;
  }
  if (isBinary(value)) {
    attachments.push(toUint8Array(value));
    return { _placeholder: true, num: attachments.length - 1 };
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !viaToJSON) {
    const json: unknown = toJSON.call(value, String(key));
    const replaced = replace(json, key, attachments, true);
    // Unchanged: JSON.stringify will call toJSON itself, so keep the original object.
    return replaced === json ? value : replaced;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const item = record[keys[i]];
    const replaced = replace(item, keys[i], attachments, false);
    if (copy === undefined && replaced !== item) {
      copy = {};
      for (let j = 0; j < i; j++) setOwn(copy, keys[j], record[keys[j]]);
    }
    if (copy !== undefined) setOwn(copy, keys[i], replaced);
  }
  return copy ?? value;
}

/** Sets an own enumerable property, even one named "__proto__" (which `=` would not). */
function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    record[key] = value;
  }
}
