/**
 * The Socket.IO options of `createServer` (limits, rate limit, slow consumers, recovery,
 * adapter): their defaults and checks.
 * @module
 */
import {
  booleanOption,
  child,
  countLimit,
  functionOption,
  integerAtLeast,
  oneOf,
  optional,
  optionError,
  type OptionResolver,
  type OptionSite,
  type OptionTableOf,
  positiveNumber,
  resolveEntries,
  resolveTable,
} from "../_internal/option_checks.ts";
import type { EngineProtocolOptions } from "../engine/options.ts";
import { BUILTIN_CODEC, type SocketCodec } from "../parser/codec.ts";
import { DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_DEPTH } from "../parser/decoder.ts";
import { parserCodec, type SocketIoParser } from "../parser/parser_module.ts";
import { type AdapterFactory, InMemoryAdapter } from "../server/in_memory_adapter.ts";
import type {
  RateLimitAction,
  RateLimitOptions,
  ResolvedRateLimit,
  ResolvedSlowConsumer,
  SlowConsumerAction,
  SlowConsumerOptions,
} from "../server/limits.ts";
import type { ConnectionStateRecoveryOptions, ResolvedRecovery } from "../server/recovery.ts";
import type { ResolvedSocketServerOptions, SocketServerOptions } from "../server/server.ts";

const RATE_LIMIT_ACTIONS: readonly RateLimitAction[] = ["drop", "warn", "disconnect"];
const SLOW_CONSUMER_ACTIONS: readonly SlowConsumerAction[] = ["disconnect", "drop"];

const RATE_LIMIT_OPTIONS = {
  eventsPerSecond: (v, site) => positiveNumber(site, v, "20"), // required: undefined is refused
  burst: (v, site) => v === undefined ? undefined : positiveNumber(site, v, "40"),
  action: optional("drop", (v, site) => oneOf(site, v, RATE_LIMIT_ACTIONS)),
} satisfies OptionTableOf<RateLimitOptions>;

function rateLimit(value: unknown, site: OptionSite): ResolvedRateLimit | undefined {
  if (value === undefined) return undefined;
  const example = '{ eventsPerSecond: 20, burst: 40, action: "drop" }';
  const given = resolveTable(site, RATE_LIMIT_OPTIONS, value, example);
  const burst = given.burst ?? Math.max(1, given.eventsPerSecond);
  if (burst < 1) throw optionError(child(site, "burst"), "at least 1 (one event)", burst, "40");
  return { eventsPerSecond: given.eventsPerSecond, burst, action: given.action };
}

/** Default of `slowConsumer.maxBufferedBytes`: 4 MiB. */
const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const bytesOrInfinity = (example: string): OptionResolver<number | undefined> => (v, site) =>
  v === undefined ? undefined : positiveNumber(site, v, example, { infinity: true });

const SLOW_CONSUMER_OPTIONS = {
  maxBufferedBytes: bytesOrInfinity("4194304"),
  hardLimitBytes: bytesOrInfinity("8388608"),
  action: optional("disconnect", (v, site) => oneOf(site, v, SLOW_CONSUMER_ACTIONS)),
} satisfies OptionTableOf<SlowConsumerOptions>;

function slowConsumer(value: unknown, site: OptionSite): ResolvedSlowConsumer {
  const example = '{ maxBufferedBytes: 4194304, action: "disconnect" }';
  const given = resolveTable(site, SLOW_CONSUMER_OPTIONS, value ?? {}, example);
  const maxBufferedBytes = given.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const hardLimitBytes = given.hardLimitBytes ?? 2 * maxBufferedBytes;
  if (hardLimitBytes < maxBufferedBytes) {
    throw optionError(
      child(site, "hardLimitBytes"),
      `at least maxBufferedBytes (${maxBufferedBytes}), or left out for 2 × maxBufferedBytes`,
      hardLimitBytes,
      String(2 * maxBufferedBytes),
    );
  }
  return { maxBufferedBytes, hardLimitBytes, action: given.action };
}

const RECOVERY_OPTIONS = {
  maxDisconnectionDuration: optional(
    120_000,
    (v, site) => positiveNumber(site, v, "120000", { unit: "ms" }),
  ),
  skipMiddlewares: optional(true, (v, site) => booleanOption(site, v, "true")),
  maxBufferedPackets: optional(10_000, (v, site) => integerAtLeast(site, v, 1, "10000")),
  maxBufferedBytes: optional(
    16 * 1024 * 1024,
    (v, site) => positiveNumber(site, v, "16777216", { unit: "bytes", infinity: true }),
  ),
} satisfies OptionTableOf<ConnectionStateRecoveryOptions>;

function recovery(value: unknown, site: OptionSite): ResolvedRecovery | undefined {
  if (value === undefined) return undefined;
  return resolveTable(site, RECOVERY_OPTIONS, value, "{ maxDisconnectionDuration: 120000 }");
}

const PARSER_SHAPE =
  'an object with Encoder and Decoder classes, as socket.io-parser (import * as msgpackParser from "socket.io-msgpack-parser")';

/**
 * The `parser` option: absent, the built-in codec; else a socket.io-parser-shaped module, whose
 * encoder (one, for the server) and a first decoder are built here, so that a module of the
 * wrong shape fails now rather than on the first connection.
 */
function parser(value: unknown, site: OptionSite): SocketCodec {
  if (value === undefined) return BUILTIN_CODEC;
  const { Encoder, Decoder } = (value ?? {}) as Partial<SocketIoParser>;
  if (typeof Encoder !== "function" || typeof Decoder !== "function") {
    throw optionError(site, PARSER_SHAPE, value, "msgpackParser");
  }
  const decoder = new Decoder();
  if (typeof decoder?.add !== "function" || typeof decoder.on !== "function") {
    throw optionError(
      site,
      PARSER_SHAPE + ", whose decoders have add and on",
      value,
      "msgpackParser",
    );
  }
  decoder.destroy?.();
  return parserCodec({ Encoder, Decoder });
}

const inMemory: AdapterFactory = (nsp) => new InMemoryAdapter(nsp);

/**
 * The Socket.IO options of `createServer` (those of `SocketServerOptions` beyond the Engine.IO
 * ones), each with its default and its check.
 */
export const SOCKET_OPTIONS = {
  connectTimeout: optional(45_000, (v, site) => positiveNumber(site, v, "45000", { unit: "ms" })),
  maxAttachments: optional(
    DEFAULT_MAX_ATTACHMENTS,
    (v, site) => integerAtLeast(site, v, 0, String(DEFAULT_MAX_ATTACHMENTS)),
  ),
  maxDepth: optional(
    DEFAULT_MAX_DEPTH,
    (v, site) => integerAtLeast(site, v, 1, String(DEFAULT_MAX_DEPTH)),
  ),
  maxNamespacesPerConnection: optional(50, (v, site) => countLimit(site, v, "50")),
  cleanupEmptyChildNamespaces: optional(true, (v, site) => booleanOption(site, v, "true")),
  maxChildNamespaces: optional(10_000, (v, site) => countLimit(site, v, "10000")),
  rateLimit,
  slowConsumer,
  adapter: optional(
    inMemory,
    (v, site) => functionOption<AdapterFactory>(site, v, "createRedisAdapter(pub, sub)"),
  ),
  connectionStateRecovery: recovery,
  parser,
} satisfies OptionTableOf<Omit<SocketServerOptions, keyof EngineProtocolOptions>>;

/**
 * Applies the defaults of the Socket.IO options in `options` and checks them (other keys are
 * ignored: the caller checks for unknown ones).
 *
 * @example
 * ```ts
 * import { resolveSocketOptions } from "./socket_options.ts";
 * resolveSocketOptions({ maxDepth: 8 }).maxAttachments; // 10
 * ```
 */
export function resolveSocketOptions(
  options: SocketServerOptions,
  caller = "createServer",
): ResolvedSocketServerOptions {
  return resolveEntries(
    { caller, name: "" },
    SOCKET_OPTIONS,
    options as Record<string, unknown>,
  );
}
