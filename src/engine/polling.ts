import type { Packet } from "./packet.ts";
import { DETACHED, type Transport, type TransportListener } from "./transport.ts";
import { WIRE_V4, type WireCodec } from "./wire_codec.ts";

/**
 * How a long-polling GET ends. A payload is `compressible` unless a packet in it was sent with
 * `compress: false`.
 */
export type PollOutcome =
  | { readonly kind: "payload"; readonly body: string; readonly compressible: boolean }
  /** An Engine.IO v3 binary payload (`allowEIO3` clients that take binary only). */
  | {
    readonly kind: "binary";
    readonly body: Uint8Array<ArrayBuffer>;
    readonly compressible: boolean;
  }
  /** A poll was already parked: this request is refused and the session fails. */
  | { readonly kind: "overlap" }
  /** The client went away while the poll was parked: nobody reads the response. */
  | { readonly kind: "aborted" }
  /** The session moved to another transport while this poll was held: it is refused. */
  | { readonly kind: "upgraded" };

/**
 * Watches for the client of a parked poll going away: calls `onLeave` if it does, and returns
 * a function that stops watching.
 */
export type LeaveWatch = (onLeave: () => void) => () => void;

/** The {@link LeaveWatch} of a request's abort signal. */
export function watchSignal(signal: AbortSignal): LeaveWatch {
  return (onLeave) => {
    signal.addEventListener("abort", onLeave, { once: true });
    return () => signal.removeEventListener("abort", onLeave);
  };
}

/** How a long-polling POST ends. */
export type DataOutcome =
  | { readonly kind: "ok" }
  | { readonly kind: "invalid"; readonly error: string };

/** How long a close waits for the client's next poll to deliver the close packet. */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * The long-polling transport. A GET parks until packets are sent (the transport is writable
 * only while one is parked); a POST carries a payload in. HTTP lives in http/polling.ts: this
 * class only sees request bodies, abort signals and the payload strings it returns.
 */
export class PollingTransport implements Transport {
  readonly name = "polling";
  #listener: TransportListener = DETACHED;
  #parked: ((outcome: PollOutcome) => void) | undefined;
  #receiving = false;
  #closed = false;
  #discarded = false;
  #pendingClose: (() => void) | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** While the client probes another transport: how long a GET is held before its NOOP. */
  #pausedFor: number | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #codec: WireCodec;

  /** `codec` is the handshake's protocol revision (v4 unless `allowEIO3` admitted a v3 client). */
  constructor(codec: WireCodec = WIRE_V4) {
    this.#codec = codec;
  }

  get writable(): boolean {
    return this.#parked !== undefined && this.#pausedFor === undefined;
  }

  /** Whether a GET is waiting (writable, or held while the client probes another transport). */
  get parked(): boolean {
    return this.#parked !== undefined;
  }

  get bufferedAmount(): number {
    return 0;
  }

  bind(listener: TransportListener): void {
    this.#listener = listener;
  }

  /** Handles a GET: resolves with the next payload. `watchLeave` tells when the client leaves. */
  poll(watchLeave?: LeaveWatch): Promise<PollOutcome> {
    if (this.#closed) {
      return Promise.resolve({
        kind: "payload",
        body: this.#codec === WIRE_V4
          ? "1"
          : String(this.#codec.encodePayload([{ type: "close" }])),
        compressible: true,
      });
    }
    if (this.#parked) {
      this.#fail("overlap from client");
      return Promise.resolve({ kind: "overlap" });
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        if (this.#parked !== release) return;
        this.#parked = undefined;
        this.#fail("poll connection closed prematurely");
        // settle the request handler, or the server would wait on it forever (e.g. at shutdown)
        release({ kind: "aborted" });
      };
      // a `let` read by `release`, which may run before the watch is set (and then skips it)
      // deno-lint-ignore prefer-const
      let stopWatching: (() => void) | undefined;
      const release = (outcome: PollOutcome) => {
        stopWatching?.();
        clearTimeout(this.#holdTimer);
        resolve(outcome);
      };
      this.#parked = release;
      stopWatching = watchLeave?.(onAbort);
      if (this.#pendingClose) {
        // the reference answers this poll with a noop before the close packet ("6\x1e1")
        this.send([{ type: "noop" }]);
        return;
      }
      if (this.#pausedFor !== undefined) {
        this.#holdTimer = setTimeout(() => this.#releaseWithNoop(), this.#pausedFor);
        return;
      }
      this.#listener.onDrain();
    });
  }

  /**
   * The client has probed another transport and is about to switch (the reference's
   * "upgrading"). A GET parked now gets a NOOP, so the client can pause polling; a GET that
   * arrives later was sent before the client saw the probe's answer, or after its switch: it is
   * held `holdMs`, then gets a NOOP, unless the switch lands first (then `discard` refuses it).
   * No other packet goes out here until `resume`: the session keeps them for the new transport.
   */
  pause(holdMs: number): void {
    this.#pausedFor = holdMs;
    this.#releaseWithNoop();
  }

  /** Ends `pause` (the upgrade failed): polling carries the session's packets again. */
  resume(): void {
    if (this.#pausedFor === undefined) return;
    this.#pausedFor = undefined;
    clearTimeout(this.#holdTimer);
    if (this.#parked) this.#listener.onDrain();
  }

  /** Handles a POST body (already read within the size limit; bytes only in protocol v3). */
  receive(body: string | Uint8Array): DataOutcome {
    const decoded = this.#codec.decodePayload(body);
    if (!decoded.ok) {
      this.#listener.onClose("parse error", decoded.error);
      return { kind: "invalid", error: decoded.error };
    }
    for (const packet of decoded.value) {
      if (this.#closed) break;
      if (packet.type === "close") {
        this.#onPeerClose();
        break;
      }
      this.#listener.onPacket(packet);
    }
    return { kind: "ok" };
  }

  /** Marks a POST as being read; false (and the session fails) when one already is. */
  beginReceive(): boolean {
    if (this.#receiving) {
      this.#fail("data request overlap from client");
      return false;
    }
    this.#receiving = true;
    return true;
  }

  /** Marks the POST read by `beginReceive` as finished. */
  endReceive(): void {
    this.#receiving = false;
  }

  send(packets: readonly Packet[]): void {
    const release = this.#parked;
    if (!release) return;
    this.#parked = undefined;
    let all = packets;
    const closing = this.#pendingClose;
    if (closing) all = [...packets, { type: "close" }];
    const body = this.#codec.encodePayload(all);
    const compressible = !anyUncompressed(packets);
    release(
      typeof body === "string"
        ? { kind: "payload", body, compressible }
        : { kind: "binary", body, compressible },
    );
    if (closing) this.#finishClose(closing);
  }

  close(done: () => void = () => {}): void {
    if (this.#pendingClose) return;
    if (this.#closed) {
      done();
      return;
    }
    // a GET still parked (even on a transport an upgrade replaced) gets the close packet, as in
    // the reference; left parked it would hang until the client gave up
    if (this.#parked) {
      this.#pendingClose = done;
      this.send([]);
      return;
    }
    if (this.#discarded) {
      this.#closed = true;
      done();
      return;
    }
    this.#pendingClose = done;
    this.#closeTimer = setTimeout(() => this.#finishClose(done), CLOSE_TIMEOUT_MS);
  }

  discard(): void {
    this.#discarded = true;
    this.#listener = DETACHED;
    // the client has switched transports. A client that pauses properly has no GET left (it
    // sends the upgrade packet once its last one returned), so a GET held by `pause` was sent
    // after the upgrade packet, on another connection, and is refused like any later one.
    const held = this.#pausedFor !== undefined ? this.#parked : undefined;
    if (held) {
      this.#parked = undefined;
      held({ kind: "upgraded" });
    }
  }

  #releaseWithNoop(): void {
    if (this.#parked) this.send([{ type: "noop" }]);
  }

  #finishClose(done: () => void): void {
    clearTimeout(this.#closeTimer);
    this.#pendingClose = undefined;
    this.#closed = true;
    done();
  }

  #onPeerClose(): void {
    // release a parked poll cleanly before the session goes away
    if (this.#parked) this.send([{ type: "noop" }]);
    this.#closed = true;
    this.#listener.onClose("transport close");
  }

  #fail(description: string): void {
    this.#listener.onClose("transport error", description);
  }
}

/** Whether a packet was sent with `compress: false`. */
function anyUncompressed(packets: readonly Packet[]): boolean {
  for (let i = 0; i < packets.length; i++) if (packets[i].compress === false) return true;
  return false;
}
