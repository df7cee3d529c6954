/**
 * A token bucket: it holds up to `burst` tokens, refills at `perSecond`, and `take` spends one.
 * Refilling is computed from the time elapsed, so an idle bucket costs nothing.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(readonly perSecond: number, readonly burst: number, now: number) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Spends one token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    const tokens = this.#refill(now);
    if (tokens < 1) {
      this.#tokens = tokens;
      return false;
    }
    this.#tokens = tokens - 1;
    return true;
  }

  /** Whether the bucket is full again at time `now` (it can then be forgotten). */
  isFull(now: number): boolean {
    return this.#refill(now) >= this.burst;
  }

  /** Ms from `now` until one token is back (0 when one is there). */
  msUntilToken(now: number): number {
    const tokens = this.#refill(now);
    return tokens >= 1 ? 0 : ((1 - tokens) * 1000) / this.perSecond;
  }

  #refill(now: number): number {
    const elapsed = now > this.#at ? now - this.#at : 0;
    const tokens = Math.min(this.burst, this.#tokens + (elapsed * this.perSecond) / 1000);
    this.#tokens = tokens;
    this.#at = now;
    return tokens;
  }
}
