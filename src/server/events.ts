import type { DisconnectReason } from "./types.ts";

/**
 * A map of event names to listener signatures, e.g. `{ "chat:message": (text: string) => void }`.
 * Any object type fits (an `interface` too); members that are not functions take no arguments.
 */
export type EventsMap = object;

/** The map used when none is given: any event, any arguments. */
export type DefaultEventsMap = { [event: string]: (...args: unknown[]) => unknown };

/** The event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & string;

/** The arguments of one event of a map. */
export type EventParams<Map extends EventsMap, Event extends EventNames<Map>> = Map[Event] extends
  (...args: infer Args) => unknown ? Args : never;

/** A per-packet middleware: call `next()` to go on, `next(error)` to drop the packet. */
export type PacketMiddleware = (event: unknown[], next: (error?: Error) => void) => void;

/** A listener of every incoming or outgoing event: the event name, then its arguments. */
export type AnyListener = (event: string, ...args: unknown[]) => void;

/** The arguments of a listener signature (never for a member that is not a function). */
export type ListenerArgs<Listener> = Listener extends (...args: infer Args) => unknown ? Args
  : never;

/** The return type of a listener signature (for client events: the acknowledgement). */
export type ListenerResult<Listener> = Listener extends (...args: never[]) => infer Result ? Result
  : unknown;

/** Lifecycle events of a server socket. */
export type SocketLifecycleEvents = {
  /** The socket is about to leave its rooms; `socket.rooms` is still readable. */
  disconnecting: [reason: DisconnectReason, description?: unknown];
  /** The socket is gone. */
  disconnect: [reason: DisconnectReason, description?: unknown];
  /** A packet middleware refused a packet. */
  error: [error: Error];
  /**
   * The connection's unsent data fell back to 16 KiB or less after a write found it above
   * `slowConsumer.maxBufferedBytes` (that `emit` returned false): a good time to send more.
   */
  drain: [];
};

const LIFECYCLE_EVENTS: ReadonlySet<string> = new Set<keyof SocketLifecycleEvents>([
  "disconnect",
  "disconnecting",
  "error",
  "drain",
]);

/** Whether `event` names a socket lifecycle event (never a client event for `on`). */
export function isLifecycleEvent(event: string): event is keyof SocketLifecycleEvents {
  return LIFECYCLE_EVENTS.has(event);
}
