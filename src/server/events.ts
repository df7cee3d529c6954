/** A map of event names to listener signatures, e.g. `{ "chat:message": (text: string) => void }`. */
export type EventsMap = { [event: string]: (...args: never[]) => unknown };

/** The map used when none is given: any event, any arguments. */
export type DefaultEventsMap = { [event: string]: (...args: unknown[]) => unknown };

/** The event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & string;

/** The arguments of one event of a map. */
export type EventParams<Map extends EventsMap, Event extends EventNames<Map>> = Parameters<
  Map[Event]
>;

/** A per-packet middleware: call `next()` to go on, `next(error)` to drop the packet. */
export type PacketMiddleware = (event: unknown[], next: (error?: Error) => void) => void;

/** A listener of every incoming or outgoing event: the event name, then its arguments. */
export type AnyListener = (event: string, ...args: unknown[]) => void;
