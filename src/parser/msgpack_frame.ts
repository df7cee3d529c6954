/**
 * A check of MessagePack framing, made before a msgpack-based parser decodes a peer's frame:
 * decoders allocate what a length field announces (notepack.io, under socket.io-msgpack-parser,
 * allocates and fills an ArrayBuffer of up to 4 GiB for a 6-byte ext 32 header), so every
 * announced length is held against the bytes the frame really has.
 * @module
 */

/**
 * Returns why `bytes` is not exactly one well-framed MessagePack value, or undefined. Checks
 * that every string, binary and extension length fits in the bytes left, that no array or map
 * announces more items than bytes left (each item takes one at least), that arrays and maps
 * nest at most `maxNesting` deep, that no byte is 0xc1 (never used), and that nothing trails
 * the value. One pass, no recursion, no allocation but the stack of open containers.
 *
 * @example
 * ```ts
 * import { msgpackFrameError } from "./msgpack_frame.ts";
 * msgpackFrameError(new Uint8Array([0x92, 0x01, 0xa1, 0x61]), 8); // undefined: [1, "a"]
 * msgpackFrameError(new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00]), 8);
 * // "msgpack length beyond the frame": an ext 32 of 4 GiB in 6 bytes
 * ```
 */
export function msgpackFrameError(bytes: Uint8Array, maxNesting: number): string | undefined {
  const end = bytes.length;
  /** Items still to read in each enclosing array or map. */
  const open: number[] = [];
  let items = 1;
  let at = 0;
  for (;;) {
    if (items === 0) {
      if (open.length === 0) break;
      items = open.pop()!;
      continue;
    }
    items--;
    if (at >= end) return "msgpack value cut short";
    const head = bytes[at++];
    let length = 0;
    let count = -1;
    if (head <= 0x7f || head >= 0xe0) continue;
    if (head <= 0x8f) count = (head & 0x0f) * 2;
    else if (head <= 0x9f) count = head & 0x0f;
    else if (head <= 0xbf) length = head & 0x1f;
    else {
      const size = FIXED_SIZES[head - 0xc0];
      if (size === INVALID) return "msgpack byte 0xc1";
      if (size >= 0) length = size;
      else {
        const width = -size & 7; // bytes of the length field: 1, 2 or 4
        if (end - at < width) return "msgpack value cut short";
        let declared = 0;
        for (let i = 0; i < width; i++) declared = declared * 256 + bytes[at++];
        if (-size & ITEMS) count = -size & PAIRS ? declared * 2 : declared;
        else length = -size & TYPED ? declared + 1 : declared;
      }
    }
    if (count >= 0) {
      if (count > end - at) return "msgpack length beyond the frame";
      if (count === 0) continue;
      if (open.length + 1 > maxNesting) return "msgpack nested too deep";
      open.push(items);
      items = count;
      continue;
    }
    if (length > end - at) return "msgpack length beyond the frame";
    at += length;
  }
  return at === end ? undefined : "bytes after the msgpack value";
}

const INVALID = -100;
/** Flags of a variable-length header: 1/2/4 length bytes, items (array/map), pairs, a type byte. */
const ITEMS = 8;
const PAIRS = 16;
const TYPED = 32;

/**
 * For heads 0xc0–0xdf: the bytes that follow (≥ 0), INVALID, or minus the flags of a length
 * field (its width ORed with ITEMS, PAIRS, TYPED).
 */
const FIXED_SIZES: readonly number[] = [
  0, // c0 nil
  INVALID, // c1
  0, // c2 false
  0, // c3 true
  -1, // c4 bin 8
  -2, // c5 bin 16
  -4, // c6 bin 32
  -(1 | TYPED), // c7 ext 8
  -(2 | TYPED), // c8 ext 16
  -(4 | TYPED), // c9 ext 32
  4, // ca float 32
  8, // cb float 64
  1, // cc uint 8
  2, // cd uint 16
  4, // ce uint 32
  8, // cf uint 64
  1, // d0 int 8
  2, // d1 int 16
  4, // d2 int 32
  8, // d3 int 64
  2, // d4 fixext 1 (type byte + 1)
  3, // d5 fixext 2
  5, // d6 fixext 4
  9, // d7 fixext 8
  17, // d8 fixext 16
  -1, // d9 str 8
  -2, // da str 16
  -4, // db str 32
  -(2 | ITEMS), // dc array 16
  -(4 | ITEMS), // dd array 32
  -(2 | ITEMS | PAIRS), // de map 16
  -(4 | ITEMS | PAIRS), // df map 32
];
