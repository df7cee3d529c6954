/**
 * The two Redis clients the adapter accepts — node-redis (`redis` v4 / v5) and ioredis — seen
 * through one small interface: publish, count subscribers, (p)subscribe with raw bytes.
 * The adapter never connects, reconnects or quits them: they are the application's.
 * @module
 */
import { Buffer } from "node:buffer";

/** A message handler: the channel it arrived on, and its raw bytes. */
export type MessageHandler = (channel: string, message: Uint8Array) => void;

/** What the adapter does with Redis. */
export interface PubSub {
  /** PUBLISH. */
  publish(channel: string, message: string | Uint8Array): Promise<void>;
  /** `PUBSUB NUMSUB channel`: how many connections are subscribed to it. */
  numsub(channel: string): Promise<number>;
  /** PSUBSCRIBE, delivering to `handler`. */
  psubscribe(pattern: string, handler: MessageHandler): Promise<void>;
  /** SUBSCRIBE, delivering to `handler`. */
  subscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Removes `handler` (and the subscription when nothing else listens). */
  punsubscribe(pattern: string, handler: MessageHandler): Promise<void>;
  /** Removes `handler` (and the subscription when nothing else listens). */
  unsubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Any other command, with text arguments (used on the publishing connection only). */
  command(args: string[]): Promise<unknown>;
  /** SPUBLISH (sharded pub/sub, Redis 7). */
  spublish(channel: string, message: string | Uint8Array): Promise<void>;
  /** SSUBSCRIBE, delivering to `handler`. */
  ssubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Removes `handler` (and the shard subscription when nothing else listens). */
  sunsubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** `PUBSUB SHARDNUMSUB channel`: how many connections are shard-subscribed to it. */
  shardnumsub(channel: string): Promise<number>;
}

type Bytes = Uint8Array | string;

/** A subscriber callback in node-redis buffer mode: the message, then the channel. */
export type RawListener = (message: Uint8Array | string, channel: Uint8Array | string) => void;

/**
 * A connected node-redis client (`createClient()` of `redis` v4 or v5, after `connect()`);
 * the subscriber must be a separate connection (`client.duplicate()`).
 */
export interface NodeRedisClient {
  /** PUBLISH. */
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  /** Any command. */
  sendCommand(args: string[]): Promise<unknown>;
  /** PSUBSCRIBE (buffer mode when the last argument is true). */
  pSubscribe(pattern: string, listener: RawListener, bufferMode: true): Promise<unknown>;
  /** PUNSUBSCRIBE of one listener. */
  pUnsubscribe(pattern: string, listener: RawListener, bufferMode: true): Promise<unknown>;
  /** SUBSCRIBE (buffer mode when the last argument is true). */
  subscribe(channel: string, listener: RawListener, bufferMode: true): Promise<unknown>;
  /** UNSUBSCRIBE of one listener. */
  unsubscribe(channel: string, listener: RawListener, bufferMode: true): Promise<unknown>;
  /** SPUBLISH (Redis 7; node-redis 4.6 and later). */
  sPublish?(channel: string, message: string | Buffer): Promise<unknown>;
  /** SSUBSCRIBE (buffer mode when the last argument is true). */
  sSubscribe?(channel: string, listener: RawListener, bufferMode: true): Promise<unknown>;
  /** SUNSUBSCRIBE of one listener. */
  sUnsubscribe?(channel: string, listener: RawListener, bufferMode: true): Promise<unknown>;
}

/**
 * An ioredis client (`new Redis(url)`); the subscriber must be a separate connection
 * (`client.duplicate()`).
 */
export interface IoRedisClient {
  /** PUBLISH. */
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  /** Any command. */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** PSUBSCRIBE. */
  psubscribe(...patterns: string[]): Promise<unknown>;
  /** PUNSUBSCRIBE. */
  punsubscribe(...patterns: string[]): Promise<unknown>;
  /** SUBSCRIBE. */
  subscribe(...channels: string[]): Promise<unknown>;
  /** UNSUBSCRIBE. */
  unsubscribe(...channels: string[]): Promise<unknown>;
  /** Listens to `pmessageBuffer` / `messageBuffer` / `smessageBuffer`. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** SPUBLISH (ioredis 5.3 and later). */
  spublish?(channel: string, message: string | Buffer): Promise<unknown>;
  /** SSUBSCRIBE. */
  ssubscribe?(...channels: string[]): Promise<unknown>;
  /** SUNSUBSCRIBE. */
  sunsubscribe?(...channels: string[]): Promise<unknown>;
}

/** A Redis connection the adapter accepts: node-redis (v4 / v5) or ioredis. */
export type RedisClient = NodeRedisClient | IoRedisClient;

/** Sees a node-redis or ioredis client as a `PubSub`; throws a TypeError for anything else. */
export function pubSubOf(client: RedisClient, name: string): PubSub {
  const candidate = client as unknown as Record<string, unknown>;
  if (typeof candidate?.pSubscribe === "function") return nodeRedis(client as NodeRedisClient);
  if (typeof candidate?.psubscribe === "function" && typeof candidate.on === "function") {
    return ioRedis(client as IoRedisClient);
  }
  throw new TypeError(
    `createRedisAdapter: ${name} must be a connected node-redis client (createClient() from ` +
      `"redis", after connect()) or an ioredis client (new Redis())`,
  );
}

function text(value: Bytes): string {
  return typeof value === "string" ? value : new TextDecoder().decode(value);
}

function bytes(value: Bytes): Uint8Array {
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

function outgoing(message: string | Uint8Array): string | Buffer {
  if (typeof message === "string" || Buffer.isBuffer(message)) return message;
  return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
}

function nodeRedis(client: NodeRedisClient): PubSub {
  // one listener per handler, so that unsubscribing finds the very function subscribed
  const listeners = new WeakMap<MessageHandler, RawListener>();
  const listenerOf = (handler: MessageHandler): RawListener => {
    let listener = listeners.get(handler);
    if (!listener) {
      listener = (message, channel) => handler(text(channel), bytes(message));
      listeners.set(handler, listener);
    }
    return listener;
  };
  // a cluster client (createCluster) routes each command by its first key
  const cluster = Array.isArray((client as unknown as { masters?: unknown }).masters);
  const send = (args: string[]): Promise<unknown> =>
    cluster
      ? (client as unknown as ClusterSend).sendCommand(firstKeyOf(args), false, args)
      : client.sendCommand(args);
  const sharded = <K extends "sPublish" | "sSubscribe" | "sUnsubscribe">(name: K) => {
    const method = client[name];
    if (typeof method !== "function") {
      throw new TypeError(
        `this node-redis client has no ${name} (sharded pub/sub needs redis 4.6+)`,
      );
    }
    return method.bind(client) as NonNullable<NodeRedisClient[K]>;
  };
  return {
    async publish(channel, message) {
      await client.publish(channel, outgoing(message));
    },
    async numsub(channel) {
      return countOf(await send(["PUBSUB", "NUMSUB", channel]));
    },
    command: send,
    async spublish(channel, message) {
      await sharded("sPublish")(channel, outgoing(message));
    },
    async ssubscribe(channel, handler) {
      await sharded("sSubscribe")(channel, listenerOf(handler), true);
    },
    async sunsubscribe(channel, handler) {
      await sharded("sUnsubscribe")(channel, listenerOf(handler), true);
    },
    async shardnumsub(channel) {
      return countOf(await send(["PUBSUB", "SHARDNUMSUB", channel]));
    },
    async psubscribe(pattern, handler) {
      await client.pSubscribe(pattern, listenerOf(handler), true);
    },
    async subscribe(channel, handler) {
      await client.subscribe(channel, listenerOf(handler), true);
    },
    async punsubscribe(pattern, handler) {
      await client.pUnsubscribe(pattern, listenerOf(handler), true);
    },
    async unsubscribe(channel, handler) {
      await client.unsubscribe(channel, listenerOf(handler), true);
    },
  };
}

function ioRedis(client: IoRedisClient): PubSub {
  const patterns = new Map<string, Set<MessageHandler>>();
  const channels = new Map<string, Set<MessageHandler>>();
  const shardChannels = new Map<string, Set<MessageHandler>>();
  const sharded = <K extends "spublish" | "ssubscribe" | "sunsubscribe">(name: K) => {
    const method = client[name];
    if (typeof method !== "function") {
      throw new TypeError(
        `this ioredis client has no ${name} (sharded pub/sub needs ioredis 5.3+)`,
      );
    }
    return method.bind(client) as NonNullable<IoRedisClient[K]>;
  };
  const dispatch = (handlers: Set<MessageHandler> | undefined, channel: Bytes, message: Bytes) => {
    if (!handlers) return;
    const name = text(channel);
    for (const handler of handlers) handler(name, bytes(message));
  };
  let listening = false;
  const listen = () => {
    if (listening) return;
    listening = true;
    client.on(
      "pmessageBuffer",
      ((pattern: Bytes, channel: Bytes, message: Bytes) =>
        dispatch(patterns.get(text(pattern)), channel, message)) as (...args: never[]) => void,
    );
    client.on(
      "messageBuffer",
      ((channel: Bytes, message: Bytes) =>
        dispatch(channels.get(text(channel)), channel, message)) as (...args: never[]) => void,
    );
    client.on(
      "smessageBuffer",
      ((channel: Bytes, message: Bytes) =>
        dispatch(shardChannels.get(text(channel)), channel, message)) as (
          ...args: never[]
        ) => void,
    );
  };
  const add = async (
    table: Map<string, Set<MessageHandler>>,
    name: string,
    handler: MessageHandler,
    subscribe: (name: string) => Promise<unknown>,
  ) => {
    listen();
    const handlers = table.get(name);
    if (handlers) {
      handlers.add(handler);
      return;
    }
    table.set(name, new Set([handler]));
    await subscribe(name);
  };
  const remove = async (
    table: Map<string, Set<MessageHandler>>,
    name: string,
    handler: MessageHandler,
    unsubscribe: (name: string) => Promise<unknown>,
  ) => {
    const handlers = table.get(name);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    table.delete(name);
    await unsubscribe(name);
  };
  return {
    async publish(channel, message) {
      await client.publish(channel, outgoing(message));
    },
    async numsub(channel) {
      return countOf(await client.call("PUBSUB", "NUMSUB", channel));
    },
    command: ([name, ...args]) => client.call(name, ...args),
    psubscribe: (pattern, handler) =>
      add(patterns, pattern, handler, (name) => client.psubscribe(name)),
    subscribe: (channel, handler) =>
      add(channels, channel, handler, (name) => client.subscribe(name)),
    punsubscribe: (pattern, handler) =>
      remove(patterns, pattern, handler, (name) => client.punsubscribe(name)),
    unsubscribe: (channel, handler) =>
      remove(channels, channel, handler, (name) => client.unsubscribe(name)),
    async spublish(channel, message) {
      await sharded("spublish")(channel, outgoing(message));
    },
    ssubscribe: (channel, handler) =>
      add(shardChannels, channel, handler, (name) => sharded("ssubscribe")(name)),
    sunsubscribe: (channel, handler) =>
      remove(shardChannels, channel, handler, (name) => sharded("sunsubscribe")(name)),
    async shardnumsub(channel) {
      return countOf(await client.call("PUBSUB", "SHARDNUMSUB", channel));
    },
  };
}

interface ClusterSend {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>;
}

/** The key a cluster routes a command by: the channel of PUBSUB, else the first argument. */
function firstKeyOf(args: readonly string[]): string | undefined {
  return args[0]?.toUpperCase() === "PUBSUB" ? args[2] : args[1];
}

/** The count of a `PUBSUB NUMSUB channel` reply (`[channel, count]`, or a map in RESP3). */
function countOf(reply: unknown): number {
  if (Array.isArray(reply)) return Number(reply[1]) || 0;
  if (reply instanceof Map) return Number([...reply.values()][0]) || 0;
  if (typeof reply === "object" && reply !== null) {
    return Number(Object.values(reply)[0]) || 0;
  }
  return 0;
}
