/**
 * One walk over parsed packet data, without recursion: refuses own `__proto__` keys and
 * finds binary attachment placeholders, which it checks (CVE-2022-2421) and remembers so the
 * attachments can be put in their place later.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";

/**
 * An array or object of parsed data, seen as a record.
 *
 * @example
 * ```ts
 * import type { Container } from "./data_walk.ts";
 * const holder: Container = JSON.parse('["e",{"_placeholder":true,"num":0}]');
 * ```
 */
export type Container = Record<string | number, unknown>;

/**
 * Where the placeholders of a binary packet are: `holders[i][keys[i]]` gets attachment
 * `nums[i]`.
 *
 * @example
 * ```ts
 * import type { Container, PlaceholderSlots } from "./data_walk.ts";
 * const data: Container = JSON.parse('["e",{"_placeholder":true,"num":0}]');
 * const slots: PlaceholderSlots = { holders: [data], keys: [1], nums: [0] };
 * ```
 */
export interface PlaceholderSlots {
  /** The arrays and objects holding a placeholder. */
  readonly holders: Container[];
  /** The index or key of each placeholder in its holder. */
  readonly keys: (string | number)[];
  /** The attachment number of each placeholder. */
  readonly nums: number[];
}

/**
 * Walks parsed data. With `checkProto`, refuses any object with an own `__proto__` key.
 * With `attachments` > 0, every object whose `_placeholder` is `true` must have an integer
 * `num` in [0, attachments); its position is returned (the root itself is never a
 * placeholder: binary packets carry arrays). Data fresh from JSON.parse, depth already bounded.
 *
 * @example
 * ```ts
 * import { walkData } from "./data_walk.ts";
 * const data = JSON.parse('["file",{"_placeholder":true,"num":0}]');
 * walkData(data, 1, false); // ok: holders [data], keys [1], nums [0]
 * walkData(data, 0, false); // ok: no placeholders looked for
 * walkData(JSON.parse('[{"__proto__":{}}]'), 0, true).ok; // false
 * ```
 */
export function walkData(
  data: unknown,
  attachments: number,
  checkProto: boolean,
): Result<PlaceholderSlots> {
  const slots: PlaceholderSlots = { holders: [], keys: [], nums: [] };
  if (typeof data !== "object" || data === null) return ok(slots);
  const stack: Container[] = [data as Container];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const error = visit(node, i, node[i], attachments, slots, stack);
        if (error !== undefined) return fail(error);
      }
    } else {
      if (checkProto && Object.hasOwn(node, "__proto__")) {
        return fail('"__proto__" key in packet data');
      }
      const keys = Object.keys(node);
      for (let i = 0; i < keys.length; i++) {
        const error = visit(node, keys[i], node[keys[i]], attachments, slots, stack);
        if (error !== undefined) return fail(error);
      }
    }
  }
  return ok(slots);
}

function visit(
  holder: Container,
  key: string | number,
  child: unknown,
  attachments: number,
  slots: PlaceholderSlots,
  stack: Container[],
): string | undefined {
  if (typeof child !== "object" || child === null) return undefined;
  const node = child as Container;
  if (attachments > 0 && node._placeholder === true && !Array.isArray(node)) {
    const num = node.num;
    if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= attachments) {
      return `invalid attachment placeholder: num must be an integer in [0, ${attachments})`;
    }
    slots.holders.push(holder);
    slots.keys.push(key);
    slots.nums.push(num);
    return undefined;
  }
  stack.push(node);
  return undefined;
}

/**
 * Puts each attachment where its placeholders are (a placeholder may be used twice, an
 * attachment not at all). `attachments` must hold every number the slots refer to.
 *
 * @example
 * ```ts
 * import { fillPlaceholders, walkData } from "./data_walk.ts";
 * const data = JSON.parse('["file",{"_placeholder":true,"num":0}]');
 * const slots = walkData(data, 1, false);
 * if (slots.ok) fillPlaceholders(slots.value, [new Uint8Array([7])]);
 * // data: ["file", Uint8Array [7]]
 * ```
 */
export function fillPlaceholders(slots: PlaceholderSlots, attachments: Uint8Array[]): void {
  const { holders, keys, nums } = slots;
  for (let i = 0; i < holders.length; i++) holders[i][keys[i]] = attachments[nums[i]];
}
