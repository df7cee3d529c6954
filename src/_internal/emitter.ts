import { callSafely } from "./call_safely.ts";
import { getLogger } from "./log.ts";

// deno-lint-ignore no-explicit-any
type Listener = (...args: any[]) => unknown;

/** Maps event names to listener argument tuples. */
// deno-lint-ignore no-explicit-any
export type EventMap = Record<string, any[]>;

/**
 * An ordered list of listeners: the one implementation behind every `on`/`off`/`onAny` of the
 * server. Calling it snapshots the list, so a listener that adds or removes listeners affects
 * the next call only; each listener is called safely (a throw or a rejected promise is reported
 * to `onError`, and the others still run).
 */
export class ListenerList<F extends Listener> {
  // replaced, never mutated (copy on write): a call iterates the array it started with, and
  // each array is exactly as long as its listeners (most lists hold one)
  #items: readonly F[] = NONE;

  /** How many listeners there are. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds a listener at the end. */
  add(listener: F): void {
    this.#items = this.#items.length === 0 ? [listener] : [...this.#items, listener];
  }

  /** Adds a listener at the front. */
  prepend(listener: F): void {
    this.#items = [listener, ...this.#items];
  }

  /** Removes one listener, or all of them without an argument. */
  remove(listener?: F): void {
    if (!listener) {
      this.#items = NONE;
      return;
    }
    const index = this.#items.indexOf(listener);
    if (index === -1) return;
    const items = this.#items.slice();
    items.splice(index, 1);
    this.#items = items.length === 0 ? NONE : items;
  }

  /** A copy of the listeners, in order. */
  snapshot(): F[] {
    return this.#items.slice();
  }

  /** Calls every listener with `args`, `this` being `self` (promises go to `onPromise`). */
  call(
    args: Parameters<F>,
    onError: (error: unknown) => void,
    onPromise?: (work: PromiseLike<unknown>) => void,
    self?: unknown,
  ): void {
    const items = this.#items;
    for (let i = 0; i < items.length; i++) callSafely(items[i], args, onError, onPromise, self);
  }
}

// deno-lint-ignore no-explicit-any
const NONE: readonly any[] = Object.freeze([]);

/**
 * A small typed event emitter on `ListenerList`. Listener errors (throws and rejected promises)
 * are reported to `onListenerError` instead of propagating, so one faulty handler cannot break
 * the session that emits.
 */
export class Emitter<E extends EventMap> {
  /**
   * The first few events and their listeners, as `[event, slot, event, slot…]` (copy on write,
   * exact length): smaller than a Map, which takes over past `MAX_FEW_EVENTS`. A slot is the
   * listener itself while the event has one (most have: a socket holds thousands of emitters
   * idle), a `ListenerList` from the second on. Made on the first `on`.
   */
  #few: unknown[] | undefined;
  #many: Map<keyof E, Slot> | undefined;

  /**
   * Listener errors go to `onListenerError`; promises listeners return go to `onPromise` (the
   * socket's incoming events count them as work a drain waits for). Listeners are called with
   * `self` as `this` (as Node's emitters call theirs with the object that emits).
   */
  constructor(
    private readonly onListenerError: (error: unknown) => void = reportError,
    private readonly onPromise?: (work: PromiseLike<unknown>) => void,
    private readonly self?: unknown,
  ) {}

  /** Adds a listener. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => unknown): this {
    const slot = this.#slot(event);
    if (slot === undefined) this.#insert(event, listener);
    else if (slot instanceof ListenerList) slot.add(listener);
    else {
      const list = new ListenerList<Listener>();
      list.add(slot);
      list.add(listener);
      this.#replace(event, list);
    }
    return this;
  }

  /** Adds a listener called at most once. */
  once<K extends keyof E>(event: K, listener: (...args: E[K]) => unknown): this {
    const wrapper = (...args: E[K]) => {
      this.off(event, wrapper);
      return listener(...args);
    };
    return this.on(event, wrapper);
  }

  /** Removes a listener (or every listener of the event when none is given). */
  off<K extends keyof E>(event: K, listener?: (...args: E[K]) => unknown): this {
    const slot = this.#slot(event);
    if (slot === undefined) return this;
    if (slot instanceof ListenerList) {
      slot.remove(listener);
      if (slot.size === 0) this.#delete(event);
    } else if (listener === undefined || listener === slot) this.#delete(event);
    return this;
  }

  /** Calls every listener of the event; returns whether there was one. */
  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const slot = this.#slot(event);
    if (slot === undefined) return false;
    const { onListenerError, onPromise, self } = this;
    if (slot instanceof ListenerList) slot.call(args, onListenerError, onPromise, self);
    else callSafely(slot, args, onListenerError, onPromise, self);
    return true;
  }

  /** How many listeners the event has. */
  listenerCount(event: keyof E): number {
    const slot = this.#slot(event);
    if (slot === undefined) return 0;
    return slot instanceof ListenerList ? slot.size : 1;
  }

  /** Drops every listener. */
  removeAllListeners(): void {
    this.#few = undefined;
    this.#many = undefined;
  }

  #slot(event: keyof E): Slot | undefined {
    const few = this.#few;
    if (few !== undefined) {
      for (let i = 0; i < few.length; i += 2) {
        if (few[i] === event) return few[i + 1] as Slot;
      }
      return undefined;
    }
    return this.#many?.get(event);
  }

  /** Swaps an existing event's slot (copy on write: an `emit` under way keeps its array). */
  #replace(event: keyof E, slot: Slot): void {
    const few = this.#few;
    if (few === undefined) {
      this.#many?.set(event, slot);
      return;
    }
    const copy = few.slice();
    copy[copy.indexOf(event) + 1] = slot;
    this.#few = copy;
  }

  #insert(event: keyof E, slot: Slot): void {
    if (this.#many !== undefined) {
      this.#many.set(event, slot);
      return;
    }
    const few = this.#few === undefined ? [event, slot] : [...this.#few, event, slot];
    if (few.length <= 2 * MAX_FEW_EVENTS) {
      this.#few = few;
      return;
    }
    const many = new Map<keyof E, Slot>();
    for (let i = 0; i < few.length; i += 2) many.set(few[i] as keyof E, few[i + 1] as Slot);
    this.#few = undefined;
    this.#many = many;
  }

  #delete(event: keyof E): void {
    const few = this.#few;
    if (few === undefined) {
      this.#many?.delete(event);
      return;
    }
    const index = few.indexOf(event);
    if (index === -1) return;
    const rest = few.slice();
    rest.splice(index, 2);
    this.#few = rest.length === 0 ? undefined : rest;
  }
}

/** An event's listener while it has one, its list from the second on. */
type Slot = Listener | ListenerList<Listener>;

/** Events an emitter keeps in its small list before it switches to a Map. */
const MAX_FEW_EVENTS = 8;

const log = getLogger();

function reportError(error: unknown): void {
  log.error("an event listener threw", { error });
}
