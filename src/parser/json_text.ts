/**
 * Cheap checks on a packet's JSON text, made before (or instead of) walking the parsed data,
 * and a JSON.parse that never throws.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Tells whether JSON text nests arrays and objects deeper than `maxDepth` levels, counting
 * brackets outside strings in one pass (strings are skipped with indexOf). Text too short to
 * hold that many levels, or with too few brackets, is not scanned. Ill-formed text is never reported as too deep unless
 * it is: JSON.parse rejects it anyway.
 *
 * @example
 * ```ts
 * import { nestingExceeds } from "./json_text.ts";
 * nestingExceeds('[{"a":[1]}]', 3); // false
 * nestingExceeds('[{"a":[1]}]', 2); // true
 * nestingExceeds('["[[[["]', 1); // false: brackets inside a string do not count
 * ```
 */
export function nestingExceeds(text: string, maxDepth: number): boolean {
  // Well-formed JSON needs an opening and a closing bracket per level.
  const length = text.length;
  if (length < 2 * (maxDepth + 1) || !hasMoreOpenings(text, maxDepth)) return false;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Whether the text holds more than `limit` "[" and "{" in all (strings included). */
function hasMoreOpenings(text: string, limit: number): boolean {
  let count = 0;
  for (let at = text.indexOf("["); at >= 0; at = text.indexOf("[", at + 1)) {
    if (++count > limit) return true;
  }
  for (let at = text.indexOf("{"); at >= 0; at = text.indexOf("{", at + 1)) {
    if (++count > limit) return true;
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or -1 if it is never closed. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

// Escapes of "_", "o", "p", "r", "t": what a "__proto__" key spelled with \u escapes needs.
const ESCAPED_PROTO_LETTER = /\\u00(?:5[fF]|6[fF]|7[024])/;

/**
 * Tells whether parsed JSON text may hold a `"__proto__"` key, literally or spelled with
 * `\u` escapes. When it says no, the parsed data has no such key and need not be walked.
 *
 * @example
 * ```ts
 * import { mayHaveProtoKey } from "./json_text.ts";
 * mayHaveProtoKey('["a",{"b":1}]'); // false
 * mayHaveProtoKey('["a",{"__proto__":{}}]'); // true
 * mayHaveProtoKey('["a",{"\\u005f_proto__":{}}]'); // true
 * ```
 */
export function mayHaveProtoKey(text: string): boolean {
  return text.includes("__proto__") ||
    (text.includes("\\u") && ESCAPED_PROTO_LETTER.test(text));
}

/**
 * JSON.parse without throwing: any error (syntax, or a RangeError on absurd nesting) is
 * returned as a failure.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json_text.ts";
 * parseJson('{"a":1}'); // { ok: true, value: { a: 1 } }
 * parseJson("{a:1}").ok; // false
 * ```
 */
export function parseJson(text: string): Result<unknown> {
  try {
    return ok(JSON.parse(text));
  } catch (error) {
    return fail(invalidJson(error));
  }
}

/**
 * Why a JSON text was refused, from the error `JSON.parse` threw.
 *
 * @example
 * ```ts
 * import { invalidJson } from "./json_text.ts";
 * invalidJson(new SyntaxError("Unexpected end")); // "invalid JSON payload: Unexpected end"
 * ```
 */
export function invalidJson(error: unknown): string {
  return "invalid JSON payload: " + (error instanceof Error ? error.message : "unknown");
}
