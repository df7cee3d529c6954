import { getLogger } from "../../_internal/log.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { Room } from "../../server/types.ts";
import { type ClusterLink, ClusterProtocolAdapter } from "../cluster/cluster_adapter.ts";
import {
  type ClusterMessage,
  hasBinary,
  MessageType,
  parseClusterMessage,
  requestIdOf,
} from "../cluster/message.ts";
import type { MessageHandler, PubSub } from "./clients.ts";
import { decodeMessage, encodeMsgpack } from "./codec.ts";
import { strings } from "./protocol.ts";

const log = getLogger("redis");

/**
 * Which channels a server shard-subscribes to: "static" only the namespace's and its own
 * answer channel; "dynamic" one more per public room (not a socket id), so a broadcast to one
 * room reaches only the servers that have it; "dynamic-private" one per room, socket ids too.
 */
export type SubscriptionMode = "static" | "dynamic" | "dynamic-private";

/** Resolved options of the sharded adapter. */
export interface ResolvedShardedOptions {
  /** Prefix of the channels. */
  readonly channelPrefix: string;
  /** See `SubscriptionMode`. */
  readonly subscriptionMode: SubscriptionMode;
  /** Ms to wait for the other servers' answers. */
  readonly requestsTimeout: number;
}

/** Types whose data may hold bytes (then the whole message is MessagePack). */
const MAY_CONTAIN_BINARY: ReadonlySet<number> = new Set([
  MessageType.BROADCAST,
  MessageType.BROADCAST_ACK,
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
]);

/** A message as `createShardedAdapter` writes it: JSON, or MessagePack when it holds bytes. */
export function encodeShardedMessage(message: ClusterMessage): string | Uint8Array {
  return MAY_CONTAIN_BINARY.has(message.type) && hasBinary(message.data)
    ? encodeMsgpack(message)
    : JSON.stringify(message);
}

/** Reads a sharded message (JSON when it starts with `{`, MessagePack otherwise). */
export function decodeShardedMessage(bytes: Uint8Array): ReturnType<typeof parseClusterMessage> {
  const decoded = decodeMessage(bytes);
  return decoded.ok ? parseClusterMessage(decoded.value) : decoded;
}

/** Socket ids are 20 characters: the Node adapter keeps them off room channels in "dynamic". */
function looksLikeASocketId(room: string): boolean {
  return room.length === 20;
}

/**
 * The cluster protocol over Redis sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7), as
 * `createShardedAdapter` of `@socket.io/redis-adapter` 8.3: everything on `<prefix>#<nsp>#`,
 * answers on `<prefix>#<nsp>#<uid>#`, and in the dynamic modes a broadcast to one room on that
 * room's channel `<prefix>#<nsp>#<room>#`.
 */
export class ShardedRedisAdapter extends ClusterProtocolAdapter {
  readonly #sub: PubSub;
  readonly #options: ResolvedShardedOptions;
  readonly #channel: string;
  readonly #responseChannel: string;
  readonly #roomChannels = new Set<string>();
  #ready: Promise<void> | undefined;
  #closed = false;

  /** The adapter of `nsp`, publishing on `pub`, shard-subscribing on `sub`. */
  constructor(nsp: Namespace, pub: PubSub, sub: PubSub, options: ResolvedShardedOptions) {
    const channel = `${options.channelPrefix}#${nsp.name}#`;
    super(nsp, shardedLink(pub, channel, options), options.requestsTimeout);
    this.#sub = sub;
    this.#options = options;
    this.#channel = channel;
    this.#responseChannel = `${channel}${this.uid}#`;
    if (options.subscriptionMode !== "static") {
      this.on("create-room", (room) => {
        if (this.#separate(room)) this.#follow(this.#channel + room + "#");
      });
      this.on("delete-room", (room) => {
        const roomChannel = this.#channel + room + "#";
        if (this.#roomChannels.delete(roomChannel)) {
          this.#sub.sunsubscribe(roomChannel, this.#onMessage).catch((error) =>
            log.error("could not unsubscribe a room channel", { room, error })
          );
        }
      });
    }
  }

  /** Shard-subscribes to the namespace's channels; idempotent (the same promise each call). */
  override init(): Promise<void> {
    if (!this.#ready) {
      this.#ready = Promise.all([
        this.#sub.ssubscribe(this.#channel, this.#onMessage),
        this.#sub.ssubscribe(this.#responseChannel, this.#onMessage),
      ]).then(() => {});
      this.#ready.catch((error) => {
        log.error("could not subscribe to Redis", { nsp: this.nsp.name, error });
      });
    }
    return this.#ready;
  }

  /** Unsubscribes every channel; the clients stay open (they are yours). */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    super.close();
    await this.#ready?.catch(() => {});
    const channels = [this.#channel, this.#responseChannel, ...this.#roomChannels];
    this.#roomChannels.clear();
    await Promise.allSettled(channels.map((c) => this.#sub.sunsubscribe(c, this.#onMessage)));
  }

  #separate(room: Room): boolean {
    return this.#options.subscriptionMode === "dynamic-private" ||
      (this.#options.subscriptionMode === "dynamic" && !this.sids.has(room));
  }

  #follow(roomChannel: string): void {
    if (this.#closed || this.#roomChannels.has(roomChannel)) return;
    this.#roomChannels.add(roomChannel);
    this.#sub.ssubscribe(roomChannel, this.#onMessage).catch((error) =>
      log.error("could not subscribe a room channel", { channel: roomChannel, error })
    );
  }

  readonly #onMessage: MessageHandler = (channel, bytes) => {
    const decoded = decodeShardedMessage(bytes);
    if (!decoded.ok) {
      log.debug("ignored a malformed message", { channel, error: decoded.error });
      return;
    }
    if (channel === this.#responseChannel) this.onResponse(decoded.value);
    else this.onMessage(decoded.value);
  };
}

/** SPUBLISH on the namespace's channel, or a room's in the dynamic modes. */
function shardedLink(pub: PubSub, channel: string, options: ResolvedShardedOptions): ClusterLink {
  const channelOf = (message: ClusterMessage): string => {
    if (message.type !== MessageType.BROADCAST || requestIdOf(message.data) !== undefined) {
      return channel;
    }
    const opts = message.data?.opts as { rooms?: unknown } | undefined;
    const rooms = strings(opts?.rooms);
    if (rooms.length !== 1) return channel;
    const mode = options.subscriptionMode;
    const dynamic = (mode === "dynamic" && !looksLikeASocketId(rooms[0])) ||
      mode === "dynamic-private";
    return dynamic ? `${channel}${rooms[0]}#` : channel;
  };
  return {
    async publish(message) {
      await pub.spublish(channelOf(message), encodeShardedMessage(message));
      return undefined;
    },
    publishResponse: (uid, response) =>
      pub.spublish(`${channel}${uid}#`, encodeShardedMessage(response)),
    serverCount: () => pub.shardnumsub(channel),
  };
}
