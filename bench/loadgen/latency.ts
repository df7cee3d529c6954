/** Latency samples of the measured window, and their percentiles. */

const MAX_SAMPLES = 4_000_000;

/** Collects latencies (ms) while `recording` is true; ignores them otherwise. */
export class LatencyRecorder {
  recording = false;
  count = 0;
  #samples = new Float64Array(65_536);
  #stored = 0;

  /** Records one operation that took `ms` (counted only while recording). */
  add(ms: number): void {
    if (!this.recording) return;
    this.count++;
    if (this.#stored === this.#samples.length) {
      if (this.#stored >= MAX_SAMPLES) return; // count it, but keep memory bounded
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#stored++] = ms;
  }

  /** p50 and p99 in one sort. */
  percentiles(): { p50: number; p99: number } {
    if (this.#stored === 0) return { p50: 0, p99: 0 };
    const sorted = this.#samples.slice(0, this.#stored).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { p50: at(0.5), p99: at(0.99) };
  }
}
