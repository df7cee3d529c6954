/**
 * `socket.data` under watch: in development mode the admin swaps a socket's `data` for a proxy
 * that reports every change (at any depth), so the UI shows what the application stores there
 * after the connection too. Only plain objects and arrays are watched: a Map, a Date or a class
 * instance is stored and returned as it is (a proxy would break their methods).
 * @module
 */

/** The object under each watching proxy, to store and re-watch plain values only. */
const targets = new WeakMap<object, object>();

/**
 * A proxy of `data` (a plain object) calling `onChange` once per microtask in which something
 * under it was set or deleted.
 */
export function watchData<T extends object>(data: T, onChange: () => void): T {
  const proxies = new WeakMap<object, object>();
  let scheduled = false;
  const changed = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      onChange();
    });
  };
  const proxyOf = (target: object): object => {
    let proxy = proxies.get(target);
    if (!proxy) {
      proxy = new Proxy(target, handler);
      proxies.set(target, proxy);
      targets.set(proxy, target);
    }
    return proxy;
  };
  const handler: ProxyHandler<object> = {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (!isWatchable(value)) return value;
      // a frozen property must read as the very same object
      const own = Reflect.getOwnPropertyDescriptor(target, key);
      if (own && !own.configurable && own.writable === false) return value;
      return proxyOf(value);
    },
    set(target, key, value) {
      const stored = Reflect.set(target, key, unwatched(value));
      if (stored) changed();
      return stored;
    },
    deleteProperty(target, key) {
      const deleted = Reflect.deleteProperty(target, key);
      if (deleted) changed();
      return deleted;
    },
  };
  return proxyOf(unwatched(data) as object) as T;
}

/** The plain object under a watching proxy (the value itself otherwise). */
export function unwatched<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  return (targets.get(value) as T | undefined) ?? value;
}

/** Whether a value is a plain object or an array (what a proxy can stand in for safely). */
export function isWatchable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
