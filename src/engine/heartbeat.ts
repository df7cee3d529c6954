/**
 * The heartbeat of one Engine.IO session. In v4 the server pings every `pingInterval` and the
 * client must answer within `pingTimeout`; in v3 (`allowEIO3`) the client pings and the server
 * expects the next ping within `pingInterval` + `pingTimeout`. Either way, a silent peer
 * `expire`s.
 */
export class Heartbeat {
  readonly #pingInterval: number;
  readonly #pingTimeout: number;
  readonly #clientPings: boolean;
  readonly #ping: () => void;
  readonly #expire: () => void;
  #intervalTimer: ReturnType<typeof setTimeout> | undefined;
  #timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the peer's answer (or v3 ping) is due; Infinity when none is awaited. */
  #deadline = Infinity;

  constructor(
    options: { readonly pingInterval: number; readonly pingTimeout: number },
    protocol: 3 | 4,
    ping: () => void,
    expire: () => void,
  ) {
    this.#pingInterval = options.pingInterval;
    this.#pingTimeout = options.pingTimeout;
    this.#clientPings = protocol === 3;
    this.#ping = ping;
    this.#expire = expire;
  }

  /** Starts: the first server PING (v4), or the wait for the client's (v3). */
  start(): void {
    if (this.#clientPings) this.#awaitClientPing();
    else this.#schedulePing();
  }

  /** A PONG answered the server's PING (v4). */
  pong(): void {
    clearTimeout(this.#timeoutTimer);
    this.#deadline = Infinity;
    this.#schedulePing();
  }

  /** The client pinged (v3): its next PING is due within pingInterval + pingTimeout. */
  clientPing(): void {
    this.#awaitClientPing();
  }

  /** Whether the peer's answer is overdue at `now` (a busy event loop runs timers late). */
  overdue(now: number): boolean {
    return now > this.#deadline;
  }

  /** Stops every timer. */
  stop(): void {
    clearTimeout(this.#intervalTimer);
    clearTimeout(this.#timeoutTimer);
  }

  #schedulePing(): void {
    clearTimeout(this.#intervalTimer);
    const due = Date.now() + this.#pingInterval;
    this.#intervalTimer = setTimeout(() => {
      this.#ping();
      this.#awaitPong(due);
    }, this.#pingInterval);
  }

  #awaitClientPing(): void {
    const wait = this.#pingInterval + this.#pingTimeout;
    this.#expireAt(Date.now() + wait, wait);
  }

  /**
   * Starts waiting for the PONG. The deadline counts from when the PING was due, so a timer
   * that fires late (a busy event loop) does not keep a silent peer's session open past
   * pingInterval + pingTimeout, which is when clients and the reference consider it dead; a
   * PING that goes out very late still leaves the peer half of pingTimeout to answer.
   */
  #awaitPong(due: number): void {
    const now = Date.now();
    const deadline = Math.max(due + this.#pingTimeout, now + this.#pingTimeout / 2);
    this.#expireAt(deadline, deadline - now);
  }

  #expireAt(deadline: number, wait: number): void {
    clearTimeout(this.#timeoutTimer);
    this.#deadline = deadline;
    this.#timeoutTimer = setTimeout(this.#expire, wait);
  }
}
