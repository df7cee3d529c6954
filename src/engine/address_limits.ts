/**
 * Per-address limits on handshakes: how many sessions one client address may hold open
 * (`maxConnectionsPerAddress`) and how fast it may open them (`handshakesPerSecondPerAddress`,
 * a token bucket of `handshakeBurstPerAddress`). The address is the one the HTTP layer resolved
 * (see `trustProxy`); "" (the runtime could not tell) is not limited per address.
 * @module
 */
import { TokenBucket } from "../_internal/token_bucket.ts";
import { type EngineRefusal, tooManyRequests } from "./errors.ts";

/** The per-address limits, resolved. */
export interface AddressLimitOptions {
  readonly maxConnectionsPerAddress: number;
  readonly handshakesPerSecondPerAddress: number;
  readonly handshakeBurstPerAddress: number;
}

/** Buckets kept before idle (full again) ones are swept out. */
const SWEEP_AT = 4096;

/** Open sessions and handshake buckets by client address. */
export class AddressLimits {
  readonly #options: AddressLimitOptions;
  readonly #open = new Map<string, number>();
  readonly #buckets = new Map<string, TokenBucket>();
  #sweepAt = SWEEP_AT;

  /** Limits honouring `options`. */
  constructor(options: AddressLimitOptions) {
    this.#options = options;
  }

  /** Sessions open from `address`. */
  openFrom(address: string): number {
    return this.#open.get(address) ?? 0;
  }

  /** Addresses with a handshake bucket (for tests: idle buckets are swept). */
  get trackedAddresses(): number {
    return this.#buckets.size;
  }

  /**
   * Checks a handshake from `address` and spends one of its tokens: a refusal when the address
   * is over its rate or already holds `maxConnectionsPerAddress` sessions.
   */
  admit(address: string, now: number = performance.now()): EngineRefusal | undefined {
    if (address === "") return undefined;
    const { handshakesPerSecondPerAddress: rate, handshakeBurstPerAddress: burst } = this.#options;
    if (rate !== Infinity) {
      let bucket = this.#buckets.get(address);
      if (!bucket) {
        this.#sweep(now);
        bucket = new TokenBucket(rate, burst, now);
        this.#buckets.set(address, bucket);
      }
      if (!bucket.take(now)) {
        const wait = Math.max(1, Math.ceil(bucket.msUntilToken(now) / 1000));
        return tooManyRequests(
          "Too many handshakes",
          `handshakesPerSecondPerAddress (${rate}, burst ${burst}) exceeded`,
          wait,
        );
      }
    }
    return this.checkOpen(address);
  }

  /** A refusal when `address` already holds `maxConnectionsPerAddress` sessions. */
  checkOpen(address: string): EngineRefusal | undefined {
    const max = this.#options.maxConnectionsPerAddress;
    if (address === "" || this.openFrom(address) < max) return undefined;
    return tooManyRequests(
      "Too many connections",
      `maxConnectionsPerAddress (${max}) reached`,
      1,
    );
  }

  /** Counts a session opened from `address`. */
  opened(address: string): void {
    if (address === "") return;
    this.#open.set(address, this.openFrom(address) + 1);
  }

  /** Uncounts a session of `address` that closed. */
  closed(address: string): void {
    const count = this.openFrom(address);
    if (count <= 1) this.#open.delete(address);
    else this.#open.set(address, count - 1);
  }

  /** Forgets buckets that are full again once there are many: memory stays bounded. */
  #sweep(now: number): void {
    if (this.#buckets.size < this.#sweepAt) return;
    for (const [address, bucket] of this.#buckets) {
      if (bucket.isFull(now)) this.#buckets.delete(address);
    }
    // with every bucket busy, sweep again only after as many new ones (amortized O(1))
    this.#sweepAt = Math.max(SWEEP_AT, 2 * this.#buckets.size);
  }
}
