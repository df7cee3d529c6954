import { Buffer } from "node:buffer";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import { pubSubOf, type RedisClient } from "../adapters/redis/clients.ts";
import type { RelayHost, SessionRelay } from "../http/relay.ts";
import { decodeRelayMessage, encodeRelayMessage, type RelayMessage } from "./relay_messages.ts";
import { createRelayOwner } from "./relay_owner.ts";
import { createRelayTaker } from "./relay_taker.ts";

export type { SessionRelay };

/** Options of `createSessionRelay`. */
export interface SessionRelayOptions {
  /**
   * Prefix of the relay's channels; the nodes of one cluster use the same. Default
   * "socket.io" (the relay's channels, `<key>#relay#<nodeId>#`, never clash with the adapter's).
   */
  readonly key?: string;
  /**
   * This node's id, the prefix of the session ids it opens: letters, digits, `-` and `_`, at
   * most 32. Unique in the cluster. Default: a random one.
   */
  readonly nodeId?: string;
}

const log = getLogger("cluster");
const KNOWN_OPTIONS = new Set(["key", "nodeId"]);
const NODE_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Between a session id's node and its random part (never in either). */
const SEPARATOR = ".";

/**
 * Lets a cluster run without sticky sessions: pass it as `createServer({ cluster })` (or
 * `createEngineServer`) on every node, and any node takes any request of any session behind a
 * plain round-robin balancer. Session ids name the node that opened them; a long-polling GET
 * or POST that reaches another node is forwarded to that node over Redis pub/sub and answered
 * from there (a poll stays parked on the owner), and a WebSocket upgrade that reaches another
 * node is accepted there, its frames carried to the owner and back. Packets keep their order
 * (one publisher, one subscriber per node); a node that stops takes only the sessions it owns
 * and the WebSockets it carries: its sessions' next requests elsewhere get
 * `{"code":1,"message":"Session ID unknown"}` and their clients reconnect.
 *
 * Pass two connected clients of `redis` (node-redis v4 or v5) or `ioredis`: one to publish,
 * one the relay subscribes with (the Redis adapter's two connections may be shared). They stay
 * yours: the relay never quits them.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { createRedisAdapter, createSessionRelay } from "@sio/gateway/redis";
 * import { createClient } from "redis";
 *
 * const pubClient = createClient({ url: "redis://127.0.0.1:6379" });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 *
 * const cluster = createSessionRelay(pubClient, subClient);
 * const io = createServer({ adapter: createRedisAdapter(pubClient, subClient), cluster });
 * await cluster.ready();
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function createSessionRelay(
  pubClient: RedisClient,
  subClient: RedisClient,
  options: SessionRelayOptions = {},
): SessionRelay {
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `createSessionRelay: unknown option "${name}"; expected one of ${
          [...KNOWN_OPTIONS].join(", ")
        }`,
      );
    }
  }
  const key = options.key ?? "socket.io";
  if (typeof key !== "string" || key === "") {
    throw new TypeError('createSessionRelay: key must be a non-empty string (default "socket.io")');
  }
  const nodeId = options.nodeId ?? generateId().slice(0, 12);
  if (typeof nodeId !== "string" || !NODE_ID.test(nodeId)) {
    throw new TypeError(
      'createSessionRelay: nodeId must be 1 to 32 letters, digits, "-" or "_", e.g. "node-1"',
    );
  }
  const publish = countingPublisher(pubClient);
  const sub = pubSubOf(subClient, "subClient");
  const channelOf = (node: string) => `${key}#relay#${node}#`;
  const send = (node: string, header: RelayMessage, body?: string | Uint8Array) =>
    publish(channelOf(node), encodeRelayMessage(header, body));

  const hosts = new Map<string, RelayHost>();
  const hostOf = (pathname: string) => {
    for (const [path, host] of hosts) if (pathname.startsWith(path)) return host;
    return undefined;
  };
  const taker = createRelayTaker(nodeId, send);
  const owner = createRelayOwner(send, hostOf);
  const onMessage = (_channel: string, message: Uint8Array) => {
    const decoded = decodeRelayMessage(message);
    if (!decoded.ok) {
      log.warn("a relay message was dropped", { error: decoded.error });
      return;
    }
    const { header, body } = decoded.value;
    try {
      if ("f" in header) owner.onMessage(header, body);
      else taker.onMessage(header, body);
    } catch (error) {
      log.error("a relay message failed", { error, type: header.t });
    }
  };
  const channel = channelOf(nodeId);
  const subscribed = sub.subscribe(channel, onMessage);
  subscribed.catch((error) => log.error("the relay could not subscribe", { error, channel }));

  return {
    nodeId,
    ready: () => subscribed,
    bind(host) {
      const path = host.path.endsWith("/") ? host.path : host.path + "/";
      hosts.set(path, host);
      return {
        newSessionId: () => nodeId + SEPARATOR + generateId(),
        forward(request, runtime) {
          const owner = ownerOf(request.url);
          return owner === undefined || owner === nodeId
            ? undefined
            : taker.forward(request, runtime, host, owner);
        },
      };
    },
    async close() {
      taker.close();
      owner.close();
      await sub.unsubscribe(channel, onMessage).catch(() => {});
    },
  };
}

/** The node named by a request's `sid`, if it names one. */
function ownerOf(url: string): string | undefined {
  const query = url.indexOf("?");
  if (query < 0) return undefined;
  const sid = new URLSearchParams(url.slice(query + 1)).get("sid");
  const end = sid?.indexOf(SEPARATOR) ?? -1;
  if (end <= 0) return undefined;
  const node = sid!.slice(0, end);
  return NODE_ID.test(node) ? node : undefined;
}

/** PUBLISH that resolves with the number of subscribers that got the message. */
function countingPublisher(
  client: RedisClient,
): (channel: string, message: Uint8Array) => Promise<number> {
  const publisher = client as { publish?: (channel: string, message: Buffer) => Promise<unknown> };
  if (typeof publisher?.publish !== "function") {
    throw new TypeError(
      'createSessionRelay: pubClient must be a connected node-redis client (createClient() from "redis", after connect()) or an ioredis client (new Redis())',
    );
  }
  return async (channel, message) => {
    const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    return Number(await publisher.publish!(channel, bytes)) || 0;
  };
}
