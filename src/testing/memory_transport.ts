import { readFrame } from "../engine/frame.ts";
import { encodePacket, type Packet, type PacketData } from "../engine/packet.ts";
import {
  DETACHED,
  type Transport,
  type TransportListener,
  type TransportName,
} from "../engine/transport.ts";

/** The in-process peer of a {@linkcode MemoryTransport}: what the server writes reaches it. */
export interface MemoryPeer {
  /** One Engine.IO frame from the server: text, or raw bytes for a binary message. */
  onFrame(frame: PacketData): void;
  /** The server closed the connection; no frame follows. */
  onClose(): void;
}

/**
 * An Engine.IO transport whose peer lives in the same process (the test client of
 * `@sio/gateway/testing`). It frames packets as the WebSocket transport does (one packet a
 * frame, binary messages as raw bytes), so the session treats it as one: always writable,
 * nothing buffered, no upgrade offered.
 *
 * Both directions are asynchronous: frames and closes are delivered in a microtask, in the
 * order they were written, so neither side ever runs inside the other's call stack, as with
 * real I/O. Binary frames are copied, so neither side sees the other mutate its bytes.
 */
export class MemoryTransport implements Transport {
  /** Named "websocket": the session handles it exactly like one. */
  readonly name: TransportName = "websocket";
  /** Nothing waits in a runtime buffer. */
  readonly bufferedAmount = 0;
  #listener: TransportListener = DETACHED;
  readonly #peer: MemoryPeer;
  readonly #maxPayload: number;
  /** Set once either side closed: nothing more is written or read. */
  #closed = false;
  /** Set once the peer closed or was told of the close: nothing more reaches it. */
  #peerGone = false;

  /** `maxPayload`: frames from the peer larger than this (bytes) end the session, as on WebSocket. */
  constructor(peer: MemoryPeer, maxPayload: number = Infinity) {
    this.#peer = peer;
    this.#maxPayload = maxPayload;
  }

  /** Whether either side closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  get writable(): boolean {
    return !this.#closed;
  }

  bind(listener: TransportListener): void {
    this.#listener = listener;
  }

  send(packets: readonly Packet[]): void {
    if (this.#closed) return;
    const frames = packets.map((packet) => copy(encodePacket(packet)));
    queueMicrotask(() => {
      for (const frame of frames) {
        // frames sent before a close still arrive, unless the peer itself has gone
        if (this.#peerGone) return;
        this.#peer.onFrame(frame);
      }
    });
  }

  close(done?: () => void): void {
    if (!this.#closed) {
      this.#closed = true;
      // queued after every frame already sent, so the peer reads them first
      queueMicrotask(() => {
        if (this.#peerGone) return;
        this.#peerGone = true;
        this.#peer.onClose();
      });
    }
    done?.();
  }

  discard(): void {
    this.#listener = DETACHED;
  }

  /** The peer writes one frame; the session reads it in a microtask. */
  receive(frame: PacketData): void {
    if (this.#closed) return;
    const data = copy(frame);
    queueMicrotask(() => this.#onFrame(data));
  }

  /** The peer closes the connection; the session sees "transport close" in a microtask. */
  peerClose(): void {
    this.#peerGone = true;
    if (this.#closed) return;
    queueMicrotask(() => {
      if (this.#closed) return;
      this.#closed = true;
      this.#listener.onClose("transport close");
    });
  }

  #onFrame(frame: PacketData): void {
    if (this.#closed) return;
    const outcome = readFrame(frame, this.#maxPayload);
    if (outcome.kind === "packet") {
      this.#listener.onPacket(outcome.packet);
      return;
    }
    this.close();
    this.#listener.onClose(outcome.reason, outcome.description);
  }
}

function copy(frame: PacketData): PacketData {
  return typeof frame === "string" ? frame : frame.slice();
}
