import { type QueuedTimer, TimerQueue } from "../_internal/timer_queue.ts";

/** The heartbeat timings a session runs with. */
interface HeartbeatTimings {
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

/** What a heartbeat drives: its session. */
export interface HeartbeatOwner {
  /** Time to send a PING (v4). */
  heartbeatPing(): void;
  /** The peer stayed silent past its deadline. */
  heartbeatExpired(): void;
}

/** One queue per kind of wait, so each queue is filled in due order (one delay each). */
interface HeartbeatQueues {
  readonly pings: TimerQueue;
  readonly pongs: TimerQueue;
  readonly clientPings: TimerQueue;
}

/** The queues of the sessions that share a timings object (a server's resolved options). */
const QUEUES = new WeakMap<HeartbeatTimings, HeartbeatQueues>();

function queuesFor(timings: HeartbeatTimings): HeartbeatQueues {
  let queues = QUEUES.get(timings);
  if (queues === undefined) {
    queues = { pings: new TimerQueue(), pongs: new TimerQueue(), clientPings: new TimerQueue() };
    QUEUES.set(timings, queues);
  }
  return queues;
}

/**
 * The heartbeat of one Engine.IO session. In v4 the server pings every `pingInterval` and the
 * client must answer within `pingTimeout`; in v3 (`allowEIO3`) the client pings and the server
 * expects the next ping within `pingInterval` + `pingTimeout`. Either way, a silent peer
 * `expire`s. The sessions of a server share runtime timers (a `TimerQueue` per kind of wait):
 * one waiting heartbeat costs a few fields, not a runtime timer.
 */
export class Heartbeat implements QueuedTimer {
  readonly #pingInterval: number;
  readonly #pingTimeout: number;
  readonly #clientPings: boolean;
  readonly #owner: HeartbeatOwner;
  readonly #queues: HeartbeatQueues;
  /** What is due when the queued timer fires: the next PING, or the peer's expiry. */
  #pingNext = false;
  #stopped = false;
  /** When the peer's answer (or v3 ping) is due; Infinity when none is awaited. */
  #deadline = Infinity;

  /** @internal `QueuedTimer` fields, owned by the queue. */
  queueDue = 0;
  /** @internal */
  queue: TimerQueue | undefined = undefined;
  /** @internal */
  queuePrev: QueuedTimer | undefined = undefined;
  /** @internal */
  queueNext: QueuedTimer | undefined = undefined;

  constructor(
    options: HeartbeatTimings,
    protocol: 3 | 4,
    owner: HeartbeatOwner,
  ) {
    this.#pingInterval = options.pingInterval;
    this.#pingTimeout = options.pingTimeout;
    this.#clientPings = protocol === 3;
    this.#owner = owner;
    this.#queues = queuesFor(options);
  }

  /** Starts: the first server PING (v4), or the wait for the client's (v3). */
  start(): void {
    if (this.#clientPings) this.#awaitClientPing();
    else this.#schedulePing();
  }

  /** A PONG answered the server's PING (v4). */
  pong(): void {
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

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    this.queue?.cancel(this);
  }

  /** @internal The queued timer is due. */
  onDue(): void {
    if (this.#stopped) return;
    if (!this.#pingNext) {
      this.#owner.heartbeatExpired();
      return;
    }
    const due = this.queueDue;
    this.#owner.heartbeatPing();
    this.#awaitPong(due);
  }

  #schedulePing(): void {
    if (this.#stopped) return;
    this.#pingNext = true;
    this.#queues.pings.schedule(this, Date.now() + this.#pingInterval);
  }

  #awaitClientPing(): void {
    if (this.#stopped) return;
    const deadline = Date.now() + this.#pingInterval + this.#pingTimeout;
    this.#expireAt(this.#queues.clientPings, deadline);
  }

  /**
   * Starts waiting for the PONG. The deadline counts from when the PING was due, so a timer
   * that fires late (a busy event loop) does not keep a silent peer's session open past
   * pingInterval + pingTimeout, which is when clients and the reference consider it dead; a
   * PING that goes out very late still leaves the peer half of pingTimeout to answer.
   */
  #awaitPong(due: number): void {
    if (this.#stopped) return;
    const now = Date.now();
    const deadline = Math.max(due + this.#pingTimeout, now + this.#pingTimeout / 2);
    this.#expireAt(this.#queues.pongs, deadline);
  }

  #expireAt(queue: TimerQueue, deadline: number): void {
    this.#pingNext = false;
    this.#deadline = deadline;
    queue.schedule(this, deadline);
  }
}
