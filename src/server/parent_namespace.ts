import type { RemoteSocketLike } from "./adapter.ts";
import type { BroadcastOperator } from "./broadcast.ts";
import type { Namespace } from "./namespace.ts";
import type { ConnectMiddleware, EventRoute, NamespaceHooks } from "./namespace_hooks.ts";
import type { NamespaceMatcher } from "./server.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { Room } from "./types.ts";

/**
 * The parent of dynamic namespaces: names it matches become child namespaces on first
 * connection, sharing its middlewares, listeners and handlers. Its operations reach every
 * child.
 */
export class ParentNamespace {
  /** Child namespaces created so far. */
  readonly children: Set<Namespace> = new Set();

  /** Built by `io.of(matcher)`; not meant to be called directly. */
  constructor(
    /** Which names belong to this parent. */
    readonly matcher: NamespaceMatcher,
    /** @ignore Hooks shared with the children (internal). */
    readonly hooks: NamespaceHooks,
  ) {}

  /** Whether `name` is one of this parent's namespaces; a matcher that throws means no. */
  async matches(name: string, auth: Record<string, unknown>): Promise<boolean> {
    if (this.matcher instanceof RegExp) return this.matcher.test(name);
    try {
      return (await this.matcher(name, auth)) === true;
    } catch {
      return false;
    }
  }

  /** Adds a connection middleware to every child. */
  use(middleware: ConnectMiddleware): this {
    this.hooks.middlewares.push(middleware);
    return this;
  }

  /** Listens to `connection` on every child. */
  on(event: "connection" | "connect", listener: (socket: AnyServerSocket) => void): this {
    if (event === "connection" || event === "connect") this.hooks.connection.add(listener);
    return this;
  }

  /** Routes one client event of every child to a handler (used by gateways). */
  route(event: string, route: EventRoute): this {
    this.hooks.route(event, route);
    return this;
  }

  /** Emits to every socket of every child. */
  emit(event: string, ...args: unknown[]): boolean {
    for (const child of this.children) {
      (child.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    }
    return true;
  }

  /** Targets sockets in a room (or rooms) of every child. */
  to(room: Room | readonly Room[]): ParentBroadcast {
    return new ParentBroadcast(this.children, (nsp) => nsp.to(room));
  }

  /** Same as `to`. */
  in(room: Room | readonly Room[]): ParentBroadcast {
    return this.to(room);
  }

  /** Targets every socket of every child except those in a room or rooms. */
  except(room: Room | readonly Room[]): ParentBroadcast {
    return new ParentBroadcast(this.children, (nsp) => nsp.except(room));
  }

  /** Every socket of every child. */
  fetchSockets(): Promise<RemoteSocketLike[]> {
    return new ParentBroadcast(this.children, (nsp) => nsp.except([])).fetchSockets();
  }
}

/** A selection across the children of a parent namespace. */
export class ParentBroadcast {
  /** Built by a parent namespace's `to`, `in` and `except`. */
  constructor(
    private readonly children: ReadonlySet<Namespace>,
    private readonly select: (nsp: Namespace) => BroadcastOperator,
  ) {}

  /** Targets a room (or rooms) as well. */
  to(room: Room | readonly Room[]): ParentBroadcast {
    return new ParentBroadcast(this.children, (nsp) => this.select(nsp).to(room));
  }

  /** Leaves out a room (or rooms). */
  except(room: Room | readonly Room[]): ParentBroadcast {
    return new ParentBroadcast(this.children, (nsp) => this.select(nsp).except(room));
  }

  /** Emits to the selected sockets of every child. */
  emit(event: string, ...args: unknown[]): boolean {
    for (const child of this.children) this.select(child).emit(event, ...args);
    return true;
  }

  /** The selected sockets of every child. */
  async fetchSockets(): Promise<RemoteSocketLike[]> {
    const all = await Promise.all([...this.children].map((nsp) => this.select(nsp).fetchSockets()));
    return all.flat();
  }

  /** Disconnects the selected sockets of every child. */
  disconnectSockets(close = false): void {
    for (const child of this.children) this.select(child).disconnectSockets(close);
  }
}
