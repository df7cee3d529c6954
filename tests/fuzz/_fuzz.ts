/**
 * Shared pieces of the fuzz tests: the run count scale (FUZZ_SCALE, 1 in CI, 10+ under
 * `deno task fuzz`), a time bound per case, input generators biased towards the
 * protocols' own characters, and mutation of valid encodings.
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { env } from "../fixtures/serve_any.ts";

/** Multiplies every run count (FUZZ_SCALE, default 1). */
export const SCALE = Math.max(1, Number(env("FUZZ_SCALE") ?? 1) || 1);

/** `n` runs, scaled. */
export function runs(n: number): number {
  return Math.round(n * SCALE);
}

/**
 * Runs a synchronous property `numRuns` times (scaled already), counting the cases; each case
 * must finish within `caseMs` (a decoder that hangs or goes quadratic fails instead of stalling).
 */
export function check<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => void,
  caseMs = 1000,
): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      const started = performance.now();
      predicate(value);
      const took = performance.now() - started;
      assert.ok(took < caseMs, `one case took ${took.toFixed(0)} ms (limit ${caseMs} ms)`);
    }),
    { numRuns },
  );
}

/** Like {@link check}, for an async predicate. */
export async function checkAsync<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => Promise<void>,
  caseMs = 2000,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const started = performance.now();
      await predicate(value);
      const took = performance.now() - started;
      assert.ok(took < caseMs, `one case took ${took.toFixed(0)} ms (limit ${caseMs} ms)`);
    }),
    { numRuns },
  );
}

/** UTF-16 code units of every kind, lone surrogates included. */
export const anyUnit: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0xffff }).map((code) =>
  String.fromCharCode(code)
);

/** Characters that mean something to Engine.IO or Socket.IO framing and JSON. */
const PROTOCOL_CHARS = [
  ..."0123456789",
  ...'b-/,[]{}":_\\ ',
  "\x1e",
  "e",
  "n",
  "u",
  "t",
  "true",
  "null",
  "__proto__",
  "_placeholder",
  '"num"',
  "\\u005f",
  "constructor",
];

/** One unit biased towards protocol characters (and sometimes anything at all). */
export const protocolUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOCOL_CHARS) },
  { weight: 1, arbitrary: anyUnit },
);

/** Text made of protocol-biased units, up to `maxLength` units. */
export function protocolText(maxLength = 64): fc.Arbitrary<string> {
  return fc.string({ unit: protocolUnit, maxLength });
}

/** Arbitrary bytes. */
export function bytes(maxLength = 32): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ maxLength });
}

/** One edit of a string: insert, delete or replace a unit, or duplicate or cut a slice. */
type Edit =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "replace"; at: number; text: string }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "cut"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: protocolText(4) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.nat(4) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), text: protocolUnit }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.nat(16) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
);

function apply(text: string, change: Edit): string {
  const at = text.length === 0 ? 0 : change.at % (text.length + 1);
  switch (change.kind) {
    case "insert":
      return text.slice(0, at) + change.text + text.slice(at);
    case "delete":
      return text.slice(0, at) + text.slice(at + change.length);
    case "replace":
      return text.slice(0, at) + change.text + text.slice(at + 1);
    case "duplicate":
      return text.slice(0, at + change.length) + text.slice(at);
    case "cut":
      return text.slice(0, at);
  }
}

/** Valid encodings from `valid`, each mutated by 1 to 4 random edits. */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) =>
    edits.reduce(apply, text)
  );
}

/** Compares bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A comparable image of decoded data: JSON values as JSON sees them (-0 is 0), byte arrays as
 * `{ $bytes: [...] }`.
 */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: [...value] };
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = normalize((value as Record<string, unknown>)[key]);
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true });
    }
    return out;
  }
  if (typeof value === "number") return Object.is(value, -0) ? 0 : value;
  return value;
}

/** Asserts Object.prototype and Array.prototype were not given new properties. */
export function assertNoPollution(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), OBJECT_PROTO);
  assert.deepEqual(Object.getOwnPropertyNames(Array.prototype).sort(), ARRAY_PROTO);
}

const OBJECT_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();
const ARRAY_PROTO = Object.getOwnPropertyNames(Array.prototype).sort();
