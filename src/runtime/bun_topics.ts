/**
 * Bun's native pub/sub as `NativeTopics`: `ws.subscribe`, `ws.publish` (every subscriber but
 * that socket) and `server.publish` (every subscriber). Bun queues a published frame for each
 * subscriber behind what was sent to it before, and writes what was published to a socket
 * before anything sent to it later, so frames keep their order.
 * @module
 */
import type { NativeTopics, NativeTopicServer } from "../engine/native_topics.ts";

/** The part of Bun's `Server` that publishes. */
export interface BunPublisher {
  /** Sends `data` to every subscriber of `topic`. */
  publish(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

/** The part of Bun's `ServerWebSocket` that subscribes and publishes. */
export interface BunSubscriber {
  /** 1 when open. */
  readonly readyState: number;
  /** Subscribes the socket to `topic`. */
  subscribe(topic: string): void;
  /** Unsubscribes the socket from `topic`. */
  unsubscribe(topic: string): void;
  /** Sends `data` to every subscriber of `topic` but this socket. */
  publish(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

const OPEN = 1;
const servers = new WeakMap<BunPublisher, NativeTopicServer>();

/** The topic server of a Bun server (one object per server, as subscriptions are per server). */
export function bunTopicServer(server: BunPublisher): NativeTopicServer {
  let topics = servers.get(server);
  if (topics === undefined) {
    topics = { publish: (topic, frame, compress) => void server.publish(topic, frame, compress) };
    servers.set(server, topics);
  }
  return topics;
}

/** One Bun socket's topics. */
export class BunTopics implements NativeTopics {
  constructor(readonly server: NativeTopicServer, private readonly socket: BunSubscriber) {}

  subscribe(topic: string): void {
    if (this.socket.readyState === OPEN) this.socket.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (this.socket.readyState === OPEN) this.socket.unsubscribe(topic);
  }

  publishToOthers(topic: string, frame: string | Uint8Array, compress: boolean): void {
    // a closed socket publishes nothing; it would not receive the frame anyway
    if (this.socket.readyState === OPEN) this.socket.publish(topic, frame, compress);
    else this.server.publish(topic, frame, compress);
  }
}
