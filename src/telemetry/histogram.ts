/**
 * The upper bounds (seconds) of the latency histograms by default: those of the Prometheus
 * client libraries, from 5 ms to 10 s.
 */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/**
 * A histogram of observed values over fixed bucket bounds: one count per bucket (not
 * cumulative; the exposition adds them up), plus the sum and the count of every observation.
 */
export class Histogram {
  /** Upper bounds, increasing; a value above the last goes to the `+Inf` bucket. */
  readonly bounds: readonly number[];
  /** `counts[i]`: observations in (bounds[i - 1], bounds[i]]; the last slot, above every bound. */
  readonly counts: number[];
  /** Sum of every observation. */
  sum = 0;
  /** Number of observations. */
  count = 0;

  /** A histogram with these increasing upper bounds. */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Records one value. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}
