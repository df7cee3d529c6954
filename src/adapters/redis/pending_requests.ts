import { adapterRequestMetrics, type ServerMetrics } from "../../server/server_metrics.ts";
import type { Response } from "./protocol.ts";

/** What a request is answered with: anything naming the request it answers. */
interface Answer {
  readonly requestId: string;
}

interface Pending<R> {
  readonly timer: ReturnType<typeof setTimeout>;
  onResponse(response: R): void;
  fail(error: Error): void;
}

/**
 * The requests a node published and still expects answers to, by request id: each one ends
 * when enough answers came, when its time is up, or when the adapter closes.
 */
export class PendingRequests<R extends Answer = Response> {
  readonly #pending = new Map<string, Pending<R>>();
  readonly #metrics: ServerMetrics | undefined;

  /** Requests timed and counted in `metrics`, when metrics are on. */
  constructor(metrics?: ServerMetrics) {
    this.#metrics = metrics;
  }

  /**
   * Resolves once `expected` answers to `requestId` (a request of `kind`) arrived, each handed
   * to `onResponse`; rejects with `timeoutError(received)` after `ms`.
   */
  wait(
    requestId: string,
    kind: string,
    expected: number,
    ms: number,
    onResponse: (response: R) => void,
    timeoutError: (received: number) => Error,
  ): Promise<void> {
    const metrics = this.#metrics && adapterRequestMetrics(this.#metrics, kind);
    const start = metrics === undefined ? 0 : performance.now();
    return new Promise<void>((resolve, reject) => {
      let received = 0;
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        if (metrics !== undefined) metrics.timeouts++;
        reject(timeoutError(received));
      }, ms);
      this.#pending.set(requestId, {
        timer,
        onResponse: (response) => {
          received++;
          onResponse(response);
          if (received < expected) return;
          this.#forget(requestId);
          metrics?.latency.observe((performance.now() - start) / 1000);
          resolve();
        },
        fail: reject,
      });
    });
  }

  /** Hands every answer to `requestId` to `onResponse` for `ms` (broadcast acknowledgements). */
  listen(requestId: string, ms: number, onResponse: (response: R) => void): void {
    const timer = setTimeout(() => this.#pending.delete(requestId), ms);
    this.#pending.set(requestId, { timer, onResponse, fail() {} });
  }

  /** Routes an answer to its request; answers to nothing pending are ignored. */
  answer(response: R): void {
    this.#pending.get(response.requestId)?.onResponse(response);
  }

  /** Ends one request with an error (e.g. it could not be published). */
  fail(requestId: string, error: Error): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#forget(requestId);
    pending.fail(error);
  }

  /** Ends every request with an error. */
  failAll(error: Error): void {
    for (const requestId of [...this.#pending.keys()]) this.fail(requestId, error);
  }

  #forget(requestId: string): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(requestId);
  }
}
