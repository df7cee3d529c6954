/**
 * Broadcasts through the runtime's native topics (Bun's pub/sub): a topic per room and one per
 * namespace, the frame published once to the sockets that can take it now, written one by one
 * to the others. Subscriptions are a cache of room membership, reconciled on each broadcast:
 * a socket is subscribed when a broadcast reaches it on the fast path, unsubscribed when it
 * leaves the room or when a broadcast must not reach it through the topic (excluded, or it
 * cannot take a published frame in order now).
 * @module
 */
import { nativeTopicsInUse, type TopicHub, type TopicMember } from "../engine/native_topics.ts";
import type { Frames } from "../parser/codec.ts";
import type { Namespace } from "./namespace.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { BroadcastOptions, Room, SocketId } from "./types.ts";

let namespacesSeen = 0;

/** The topics one socket's connection is subscribed to for a namespace. */
interface Subscription {
  readonly member: TopicMember;
  readonly topics: Set<string>;
}

/** The native topics of one namespace's rooms. */
export class RoomTopics {
  /** Unique in the process: several servers may share a runtime server. */
  readonly #prefix = `sio${++namespacesSeen}:`;
  readonly #everyone = `${this.#prefix}*`;
  readonly #subscriptions = new Map<SocketId, Subscription>();
  readonly #nsp: Namespace;

  /** The topics of `nsp`. */
  constructor(nsp: Namespace) {
    this.#nsp = nsp;
  }

  /**
   * Whether a broadcast can use topics: not volatile (each socket decides for itself), one
   * room at most (a socket in two would get it twice), one frame (no binary attachments), and
   * a runtime with topics in this process.
   */
  static applies(frames: Frames, options: BroadcastOptions): boolean {
    return nativeTopicsInUse() && frames.length === 1 && options.rooms.size <= 1 &&
      options.flags.volatile !== true;
  }

  /**
   * Delivers a broadcast that `applies` to the sockets the options select (`members` of the
   * room targeted, or the namespace), minus `excluded`: published to those that can take it
   * now, written to the others. `reached` sees each socket reached.
   */
  deliver(
    frames: Frames,
    data: readonly unknown[],
    options: BroadcastOptions,
    members: ReadonlySet<SocketId> | undefined,
    excluded: ReadonlySet<SocketId> | undefined,
    reached?: (socket: AnyServerSocket) => void,
  ): void {
    const flags = options.flags;
    const sockets = this.#nsp.sockets;
    const ids = options.rooms.size === 0 ? sockets.keys() : members;
    if (ids === undefined) return;
    const topic = options.rooms.size === 0 ? this.#everyone : this.#topicOf(first(options.rooms));
    const frame = frames[0];
    const bytes = typeof frame === "string" ? frame.length : frame.byteLength;
    let hub: TopicHub | undefined;
    let compressFrom = Infinity;
    let publisher: TopicMember | undefined;
    let published = 0;
    let written: AnyServerSocket[] | undefined;
    for (const id of ids) {
      const socket = sockets.get(id);
      if (socket === undefined) continue;
      const subscription = this.#subscriptions.get(id);
      const subscribed = subscription !== undefined && subscription.topics.has(topic);
      const member = socket._outbox.topicMember(bytes);
      const usable = member !== undefined && (hub === undefined || member.hub === hub);
      if (excluded !== undefined && excluded.has(id)) {
        // one excluded subscriber can publish to the others; any other must leave the topic
        if (subscribed && usable && publisher === undefined && subscription.member === member) {
          publisher = member;
          hub = member.hub;
        } else if (subscribed) this.#unsubscribe(subscription, topic);
        continue;
      }
      if (!usable) {
        if (subscribed) this.#unsubscribe(subscription, topic);
        (written ??= []).push(socket);
        continue;
      }
      hub = member.hub;
      compressFrom = member.compressFrom;
      if (!subscribed) this.#subscribe(id, subscription, member, topic);
      published++;
      reached?.(socket);
    }
    if (published > 0) {
      hub!.publish(topic, frame, flags.compress, compressFrom, publisher);
      const metrics = this.#nsp._instruments.metrics;
      if (metrics !== undefined) metrics.eventsSent += published;
    }
    if (written !== undefined) {
      for (const socket of written) {
        reached?.(socket);
        socket._outbox.send(data, frames, flags);
      }
    }
  }

  /** A socket left a room: it leaves the room's topic. */
  leave(id: SocketId, room: Room): void {
    const subscription = this.#subscriptions.get(id);
    if (subscription !== undefined) this.#unsubscribe(subscription, this.#topicOf(room));
  }

  /** A socket left the namespace: it leaves every topic of the namespace. */
  forget(id: SocketId): void {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) return;
    this.#subscriptions.delete(id);
    for (const topic of subscription.topics) subscription.member.leave(topic);
  }

  #topicOf(room: Room): string {
    return `${this.#prefix}r${room}`;
  }

  #subscribe(
    id: SocketId,
    subscription: Subscription | undefined,
    member: TopicMember,
    topic: string,
  ): void {
    if (subscription === undefined || subscription.member !== member) {
      // a socket keeps its connection; a different member means the id was reused
      if (subscription !== undefined) this.forget(id);
      subscription = { member, topics: new Set() };
      this.#subscriptions.set(id, subscription);
    }
    subscription.topics.add(topic);
    member.join(topic);
  }

  #unsubscribe(subscription: Subscription, topic: string): void {
    if (subscription.topics.delete(topic)) subscription.member.leave(topic);
  }
}

function first(rooms: ReadonlySet<Room>): Room {
  for (const room of rooms) return room;
  throw new Error("no room");
}
