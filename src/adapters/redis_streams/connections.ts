/**
 * The connections the Streams adapter opens itself, as the Node package does: duplicates of
 * the application's client, one blocked in XREAD per stream and one subscriber. They are the
 * adapter's, closed when the last namespace's adapter closes.
 * @module
 */
import { type PubSub, pubSubOf, type RedisClient } from "../redis/clients.ts";

/** A connection the adapter opened, seen as `PubSub`, and how to end it. */
export interface OwnedConnection {
  /** The connection's commands. */
  readonly redis: PubSub;
  /** Ends the connection at once (a blocked XREAD fails). */
  close(): void;
}

interface Duplicable {
  duplicate(): unknown;
}

interface Connectable {
  connect?(): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy?(): unknown;
  disconnect?(): unknown;
  status?: string;
  isOpen?: boolean;
  options?: { lazyConnect?: boolean };
}

/** Opens a new connection like `client` (node-redis or ioredis) and waits until it is ready. */
export async function duplicateConnection(
  client: RedisClient,
  name: string,
): Promise<OwnedConnection> {
  const candidate = client as unknown as Partial<Duplicable>;
  if (typeof candidate.duplicate !== "function") {
    throw new TypeError(`${name}: the Redis client must have duplicate() (node-redis or ioredis)`);
  }
  const copy = candidate.duplicate() as Connectable;
  // errors of a connection we own are ours to swallow: a reconnecting client reports them
  copy.on?.("error", () => {});
  const isNodeRedis = typeof (copy as { pSubscribe?: unknown }).pSubscribe === "function";
  if (isNodeRedis) {
    if (!copy.isOpen) await copy.connect?.();
  } else if (copy.options?.lazyConnect || copy.status === "wait") {
    await copy.connect?.();
  }
  const redis = pubSubOf(copy as unknown as RedisClient, name);
  return {
    redis,
    close() {
      try {
        if (typeof copy.destroy === "function") copy.destroy();
        else copy.disconnect?.();
      } catch {
        // already closed
      }
    },
  };
}
