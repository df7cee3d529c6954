import { getLogger } from "../_internal/log.ts";
import { TokenBucket } from "../_internal/token_bucket.ts";
import type { ResolvedRateLimit } from "./limits.ts";

/** What to do with one incoming event: handle it, drop it, or disconnect its socket. */
export type RateVerdict = "handle" | "drop" | "disconnect";

/** Who sent the event, for the warnings. */
export interface RateLimitedSocket {
  readonly id: string;
  readonly nsp: { readonly name: string };
  readonly handshake: { readonly address: string };
}

/** At most one rate-limit warning per socket per this many ms. */
const WARN_INTERVAL_MS = 1000;
const log = getLogger("server");

/**
 * The `rateLimit` option applied to one socket: its bucket, the action for events beyond it,
 * and warnings logged at most once a second (with how many events went over since the last).
 */
export class RateLimiter {
  readonly #limit: ResolvedRateLimit;
  readonly #bucket: TokenBucket;
  #warnedAt = -Infinity;
  #overLimit = 0;

  constructor(limit: ResolvedRateLimit) {
    this.#limit = limit;
    this.#bucket = new TokenBucket(limit.eventsPerSecond, limit.burst, performance.now());
  }

  /** Spends a token for an incoming `event` and says what to do with it. */
  admit(socket: RateLimitedSocket, event: unknown): RateVerdict {
    const at = performance.now();
    if (this.#bucket.take(at)) return "handle";
    const { action, eventsPerSecond, burst } = this.#limit;
    const context = { sid: socket.id, nsp: socket.nsp.name, address: socket.handshake.address };
    if (action === "disconnect") {
      log.warn("rate limit exceeded: socket disconnected", {
        ...context,
        event,
        eventsPerSecond,
        burst,
      });
      return "disconnect";
    }
    this.#overLimit++;
    if (at - this.#warnedAt >= WARN_INTERVAL_MS) {
      log.warn(action === "drop" ? "rate limit exceeded: events dropped" : "rate limit exceeded", {
        ...context,
        event,
        overLimit: this.#overLimit,
        eventsPerSecond,
        burst,
      });
      this.#warnedAt = at;
      this.#overLimit = 0;
    }
    return action === "warn" ? "handle" : "drop";
  }
}
