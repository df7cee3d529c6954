import { getLogger } from "../../_internal/log.ts";
import type { SocketPacket } from "../../parser/packet.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { RecoveredSession, SessionToPersist } from "../../server/recovery.ts";
import type { BroadcastOptions } from "../../server/types.ts";
import {
  broadcastData,
  type ClusterLink,
  ClusterProtocolAdapter,
} from "../cluster/cluster_adapter.ts";
import { type ClusterMessage, MessageType, requestIdOf } from "../cluster/message.ts";
import type { MessageHandler, PubSub } from "../redis/clients.ts";
import { decodePubSubMessage, encodePubSubMessage, encodeStreamFields } from "./stream_codec.ts";
import {
  persistStreamSession,
  restoreStreamSession,
  type StreamSessionsOptions,
} from "./stream_sessions.ts";
import type { StreamsHub } from "./streams_hub.ts";

const log = getLogger("redis");

/** Resolved options of the Streams adapter. */
export interface ResolvedStreamsOptions {
  /** Stream name (or prefix, with several streams). */
  readonly streamName: string;
  /** How many streams the namespaces are spread over. */
  readonly streamCount: number;
  /** Prefix of the pub/sub channels. */
  readonly channelPrefix: string;
  /** SPUBLISH/SSUBSCRIBE instead of PUBLISH/SUBSCRIBE. */
  readonly useShardedPubSub: boolean;
  /** The stream's approximate MAXLEN. */
  readonly maxLen: number;
  /** Entries per XREAD. */
  readonly readCount: number;
  /** Ms an XREAD blocks. */
  readonly blockTimeInMs: number;
  /** Prefix of session keys. */
  readonly sessionKeyPrefix: string;
  /** Bytes written as JSON rather than MessagePack. */
  readonly onlyPlaintext: boolean;
  /** Ms to wait for the other servers' answers. */
  readonly requestsTimeout: number;
}

/** Requests that expect answers go over pub/sub, as the Node adapter sends them. */
function isEphemeral(message: ClusterMessage): boolean {
  return (message.type === MessageType.BROADCAST && requestIdOf(message.data) !== undefined) ||
    message.type === MessageType.SERVER_SIDE_EMIT || message.type === MessageType.FETCH_SOCKETS;
}

/** The stream of a namespace: the Node package's hash when there are several. */
export function streamOf(nsp: string, options: ResolvedStreamsOptions): string {
  if (options.streamCount === 1) return options.streamName;
  let hash = 0;
  for (let i = 0; i < nsp.length; i++) hash = (hash * 31 + nsp.charCodeAt(i)) | 0;
  return `${options.streamName}-${hash % options.streamCount}`;
}

/** XADD for what the stream keeps, PUBLISH (or SPUBLISH) for requests and answers. */
function streamsLink(
  main: PubSub,
  options: ResolvedStreamsOptions,
  stream: string,
  prefix: string,
): ClusterLink {
  const publish = (channel: string, bytes: Uint8Array) =>
    options.useShardedPubSub ? main.spublish(channel, bytes) : main.publish(channel, bytes);
  return {
    async publish(message) {
      if (isEphemeral(message)) {
        await publish(prefix, encodePubSubMessage(message));
        return undefined;
      }
      const fields = encodeStreamFields(message, options.onlyPlaintext);
      const args = ["XADD", stream, "MAXLEN", "~", String(options.maxLen), "*", ...fields];
      const id = await main.command(args);
      return typeof id === "string" ? id : undefined;
    },
    publishResponse: (uid, response) => publish(`${prefix}${uid}#`, encodePubSubMessage(response)),
    serverCount: () => options.useShardedPubSub ? main.shardnumsub(prefix) : main.numsub(prefix),
  };
}

/**
 * The cluster protocol over a Redis stream (broadcasts, joins, leaves, disconnections: XADD,
 * read by every server with XREAD) and pub/sub (requests that expect answers, and answers).
 * With connection state recovery on, a broadcast's offset is its entry id: the packet is
 * delivered here once XADD answered, and sessions recover from the stream on any server.
 */
export class RedisStreamsAdapter extends ClusterProtocolAdapter {
  readonly #hub: StreamsHub;
  readonly #options: ResolvedStreamsOptions;
  readonly #stream: string;
  readonly #publicChannel: string;
  readonly #privateChannel: string;
  #ready: Promise<void> | undefined;
  #subscribed: PubSub | undefined;

  /** The adapter of `nsp` on the factory's shared connections. */
  constructor(nsp: Namespace, hub: StreamsHub, options: ResolvedStreamsOptions) {
    const stream = streamOf(nsp.name, options);
    const prefix = `${options.channelPrefix}#${nsp.name}#`;
    super(nsp, streamsLink(hub.main, options, stream, prefix), options.requestsTimeout);
    this.#hub = hub;
    this.#options = options;
    this.#stream = stream;
    this.#publicChannel = prefix;
    this.#privateChannel = `${prefix}${this.uid}#`;
  }

  /**
   * Subscribes and starts reading the stream. Idempotent: every call returns the same promise,
   * so an application can await `io.of(name).adapter.init()` before taking traffic.
   */
  override init(): Promise<void> {
    if (!this.#ready) {
      this.#ready = this.#start();
      this.#ready.catch((error) => {
        log.error("could not start the Redis Streams adapter", { nsp: this.nsp.name, error });
      });
    }
    return this.#ready;
  }

  async #start(): Promise<void> {
    const subscriber = await this.#hub.subscriber();
    this.#subscribed = subscriber;
    const subscribe = (channel: string) =>
      this.#options.useShardedPubSub
        ? subscriber.ssubscribe(channel, this.#onPubSub)
        : subscriber.subscribe(channel, this.#onPubSub);
    await Promise.all([
      subscribe(this.#publicChannel),
      subscribe(this.#privateChannel),
      this.#hub.join(this, this.#stream),
    ]);
  }

  /** Unsubscribes; the last namespace closes the connections the adapter opened. */
  override async close(): Promise<void> {
    super.close();
    const subscriber = this.#subscribed;
    if (subscriber) {
      const unsubscribe = (channel: string) =>
        this.#options.useShardedPubSub
          ? subscriber.sunsubscribe(channel, this.#onPubSub)
          : subscriber.unsubscribe(channel, this.#onPubSub);
      await Promise.allSettled([
        unsubscribe(this.#publicChannel),
        unsubscribe(this.#privateChannel),
      ]);
    }
    this.#hub.leave(this);
  }

  override broadcast(packet: SocketPacket, options: BroadcastOptions): void {
    if (this.nsp.recovery === undefined) return super.broadcast(packet, options);
    if (options.flags.local) return this.deliver(packet, options);
    this.#sendThenDeliver(packet, options);
  }

  /** `socket.emit` with recovery on: into the stream, then out with the entry id as offset. */
  recordAndSend(packet: SocketPacket, options: BroadcastOptions): void {
    this.#sendThenDeliver(packet, options);
  }

  #sendThenDeliver(packet: SocketPacket, options: BroadcastOptions): void {
    const data = broadcastData(packet, options);
    void this.send(MessageType.BROADCAST, data).then((offset) => {
      // as the Node adapter: delivered without an offset when XADD failed
      const recordable = packet.id === undefined && !options.flags.volatile;
      const sent = offset !== undefined && recordable
        ? { ...packet, data: [...data.packet.data, offset] }
        : packet;
      this.deliver(sent, options);
    });
  }

  override persistSession(session: SessionToPersist): Promise<void> {
    const options = this.#sessionOptions();
    if (!options) return Promise.resolve();
    return persistStreamSession(this.hub.main, options, session);
  }

  override async restoreSession(
    pid: string,
    offset: string,
  ): Promise<RecoveredSession | undefined> {
    const options = this.#sessionOptions();
    if (!options) return undefined;
    return await restoreStreamSession(this.hub.main, options, pid, offset);
  }

  /** The hub (for tests and the factory). */
  get hub(): StreamsHub {
    return this.#hub;
  }

  #sessionOptions(): StreamSessionsOptions | undefined {
    const recovery = this.nsp.recovery;
    if (recovery === undefined) return undefined;
    return {
      nsp: this.nsp.name,
      stream: this.#stream,
      sessionKeyPrefix: this.#options.sessionKeyPrefix,
      maxLen: this.#options.maxLen,
      recovery,
    };
  }

  /** Requests and answers on the namespace's channels. */
  readonly #onPubSub: MessageHandler = (_channel, bytes) => {
    const decoded = decodePubSubMessage(bytes);
    if (!decoded.ok) {
      log.debug("ignored a malformed message", { nsp: this.nsp.name, error: decoded.error });
      return;
    }
    this.onMessage(decoded.value);
  };
}
