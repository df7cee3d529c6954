import { getLogger } from "./log.ts";

// deno-lint-ignore no-explicit-any
type Listener = (...args: any[]) => void;

/** Maps event names to listener argument tuples. */
// deno-lint-ignore no-explicit-any
export type EventMap = Record<string, any[]>;

/**
 * A small typed event emitter. Listener errors are reported to `onListenerError`
 * instead of propagating, so one faulty handler cannot break the session that emits.
 */
export class Emitter<E extends EventMap> {
  #listeners = new Map<keyof E, Listener[]>();

  constructor(private readonly onListenerError: (error: unknown) => void = reportError) {}

  /** Adds a listener. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): this {
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  /** Adds a listener called at most once. */
  once<K extends keyof E>(event: K, listener: (...args: E[K]) => void): this {
    const wrapper = (...args: E[K]) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  /** Removes a listener (or every listener of the event when none is given). */
  off<K extends keyof E>(event: K, listener?: (...args: E[K]) => void): this {
    if (!listener) {
      this.#listeners.delete(event);
      return this;
    }
    const list = this.#listeners.get(event);
    if (!list) return this;
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  /** Calls every listener of the event; returns whether there was one. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners.get(event);
    if (!list) return false;
    for (const listener of list.length === 1 ? list : list.slice()) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(error);
      }
    }
    return true;
  }

  /** How many listeners the event has. */
  listenerCount(event: keyof E): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Drops every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }
}

const log = getLogger();

function reportError(error: unknown): void {
  log.error("an event listener threw", { error });
}
