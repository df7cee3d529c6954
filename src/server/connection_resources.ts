/**
 * What the connections of one Socket.IO server share rather than hold each: the decoder's
 * limits and one queue (one runtime timer) for their connect deadlines; and the one small object
 * a connection's decoder reports to.
 * @module
 */
import { type QueuedTimer, TimerQueue } from "../_internal/timer_queue.ts";
import type { DecodedSink } from "../parser/codec.ts";
import type { DecoderOptions } from "../parser/decoder.ts";
import type { SocketPacket } from "../parser/packet.ts";
import type { Client } from "./client.ts";
import type { SocketServer } from "./server.ts";

/** Each server's decoder limits: one object shared by its connections' decoders. */
const DECODER_LIMITS = new WeakMap<SocketServer, DecoderOptions>();

/** The decoder limits `server`'s connections share. */
export function decoderLimits(server: SocketServer): DecoderOptions {
  let limits = DECODER_LIMITS.get(server);
  if (limits === undefined) {
    const { maxAttachments, maxDepth } = server.options;
    DECODER_LIMITS.set(server, limits = { maxAttachments, maxDepth });
  }
  return limits;
}

/** Each server's connect deadlines: one runtime timer for all its connections, in due order. */
const CONNECT_DEADLINES = new WeakMap<SocketServer, TimerQueue>();

/** The queue of `server`'s connect deadlines. */
export function connectDeadlines(server: SocketServer): TimerQueue {
  let queue = CONNECT_DEADLINES.get(server);
  if (queue === undefined) CONNECT_DEADLINES.set(server, queue = new TimerQueue());
  return queue;
}

/** A connection's `connectTimeout`, waiting in its server's queue. */
export class ConnectDeadline implements QueuedTimer {
  queueDue = 0;
  queue: TimerQueue | undefined = undefined;
  queuePrev: QueuedTimer | undefined = undefined;
  queueNext: QueuedTimer | undefined = undefined;

  constructor(readonly onDue: () => void) {}
}

/** Hands what a connection's decoder reports to its client: one object, no closures. */
export class ClientDecoderSink implements DecodedSink {
  constructor(private readonly client: Client) {}

  packet(packet: SocketPacket): void {
    this.client._onpacket(packet);
  }

  error(reason: string): void {
    this.client._onparseerror(reason);
  }
}
