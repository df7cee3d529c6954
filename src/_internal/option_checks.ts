/**
 * Checks of user options, all throwing one form of TypeError:
 * `createServer: <option> must be …, got <value>, e.g. <option>: <example>`.
 * The option tables that use them live in src/options/.
 * @module
 */

/** Where an option is checked: the function that took it and the option's (dotted) name. */
export interface OptionSite {
  /** The function whose options these are, e.g. "createServer". */
  readonly caller: string;
  /** The option's name, dotted when nested ("rateLimit.burst"); "" for the options object. */
  readonly name: string;
}

/** Resolves one option: checks a given value, or supplies the default when it is undefined. */
export type OptionResolver<T> = (value: unknown, site: OptionSite) => T;

/** Every option a function takes, by name, with its resolver. */
export type OptionTable = { readonly [name: string]: OptionResolver<unknown> };

/** A table covering exactly the keys of an options interface (checked with `satisfies`). */
export type OptionTableOf<O> = { readonly [K in keyof Required<O>]: OptionResolver<unknown> };

/** What an option table resolves to: each option's resolved value. */
export type ResolvedTable<T extends OptionTable> = { readonly [K in keyof T]: ReturnType<T[K]> };

/** The site of option `key` inside the option (or options object) at `site`. */
export function child(site: OptionSite, key: string): OptionSite {
  return { caller: site.caller, name: site.name === "" ? key : `${site.name}.${key}` };
}

/**
 * The TypeError of a wrong option value. `what` completes "must be", `example` is a valid
 * value in source form; a nested option's example is written out as the object holding it.
 */
export function optionError(
  site: OptionSite,
  what: string,
  value: unknown,
  example: string,
): TypeError {
  const name = site.name === "" ? "options" : site.name;
  return new TypeError(
    `${site.caller}: ${name} must be ${what}, got ${describe(value)}, e.g. ${
      exampleOf(site.name, example)
    }`,
  );
}

function exampleOf(name: string, example: string): string {
  if (name === "") return example;
  const dot = name.indexOf(".");
  if (dot < 0) return `${name}: ${example}`;
  return `${name.slice(0, dot)}: { ${exampleOf(name.slice(dot + 1), example)} }`;
}

/** Shows a value in an error message (strings quoted, so "10" and 10 differ). */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value !== "object" || value === null) return String(value);
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    try {
      const json = JSON.stringify(value);
      return json.length > 80 ? json.slice(0, 79) + "…" : json;
    } catch {
      // a cycle or a BigInt: fall through to the tag
    }
  }
  return Object.prototype.toString.call(value);
}

/** The default when the option is absent (undefined), else the value as `check` accepts it. */
export function optional<T>(fallback: T, check: OptionResolver<T>): OptionResolver<T> {
  return (value, site) => value === undefined ? fallback : check(value, site);
}

/** A finite number above 0, or with `infinity` also `Infinity` (for "no limit"). */
export function positiveNumber(
  site: OptionSite,
  value: unknown,
  example: string,
  { unit, infinity = false }: { unit?: string; infinity?: boolean } = {},
): number {
  if (typeof value === "number" && value > 0 && (Number.isFinite(value) || infinity)) {
    return value;
  }
  const what = `a positive number${unit ? ` of ${unit}` : ""}${
    infinity ? ", or Infinity for no limit" : ""
  }`;
  throw optionError(site, what, value, example);
}

/** A safe integer of at least `min`. */
export function integerAtLeast(
  site: OptionSite,
  value: unknown,
  min: number,
  example: string,
): number {
  if (Number.isSafeInteger(value) && (value as number) >= min) return value as number;
  throw optionError(site, `an integer of at least ${min}`, value, example);
}

/** A limit counted in whole units (connections, namespaces): a positive integer or Infinity. */
export function countLimit(site: OptionSite, value: unknown, example: string): number {
  if (value === Infinity || (Number.isSafeInteger(value) && (value as number) > 0)) {
    return value as number;
  }
  throw optionError(site, "a positive integer, or Infinity for no limit", value, example);
}

/** One of a few strings; the example is the first of them. */
export function oneOf<T extends string>(
  site: OptionSite,
  value: unknown,
  allowed: readonly T[],
): T {
  if (allowed.includes(value as T)) return value as T;
  const quoted = allowed.map((a) => JSON.stringify(a));
  throw optionError(site, `one of ${quoted.join(", ")}`, value, quoted[0]);
}

/** A boolean. */
export function booleanOption(site: OptionSite, value: unknown, example: string): boolean {
  if (typeof value === "boolean") return value;
  throw optionError(site, "a boolean", value, example);
}

/** A function (only its type is checked). */
export function functionOption<T>(site: OptionSite, value: unknown, example: string): T {
  if (typeof value === "function") return value as T;
  throw optionError(site, "a function", value, example);
}

/** Whether a value is an object that is neither null nor an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object whose keys are all in `keys`; an unknown key throws
 * `<caller>: unknown option "<name>"; expected one of …`.
 */
export function objectWithKeys(
  site: OptionSite,
  value: unknown,
  keys: readonly string[],
  example: string,
): Record<string, unknown> {
  if (!isObject(value)) throw optionError(site, "an object", value, example);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new TypeError(
        `${site.caller}: unknown option "${child(site, key).name}"; expected one of ${
          keys.join(", ")
        }`,
      );
    }
  }
  return value;
}

/** Resolves every option of a table from `given` (whose keys were checked already). */
export function resolveEntries<T extends OptionTable>(
  site: OptionSite,
  table: T,
  given: Record<string, unknown>,
): ResolvedTable<T> {
  const resolved: Record<string, unknown> = {};
  for (const [key, resolve] of Object.entries(table)) {
    resolved[key] = resolve(given[key], child(site, key));
  }
  return resolved as ResolvedTable<T>;
}

/** Checks that `value` is an object with only the table's keys, and resolves each of them. */
export function resolveTable<T extends OptionTable>(
  site: OptionSite,
  table: T,
  value: unknown,
  example: string,
): ResolvedTable<T> {
  return resolveEntries(site, table, objectWithKeys(site, value, Object.keys(table), example));
}
