import type { InferOutput, StandardSchemaV1 } from "../_internal/standard_schema.ts";
import type {
  DefaultEventsMap,
  EventsMap,
  ListenerArgs,
  ListenerResult,
} from "../server/events.ts";
import type { Namespace } from "../server/namespace.ts";
import type { ParentNamespace } from "../server/parent_namespace.ts";
import type { NamespaceMatcher } from "../server/server.ts";
import type { AnyServerSocket, ServerSocket } from "../server/socket.ts";
import type { DisconnectReason } from "../server/types.ts";

/** The socket a gateway's hooks and handlers receive. */
export type GatewaySocket<
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> = ServerSocket<ServerEvents, SocketData>;

/** What a handler can learn about the event it handles, as `this`. */
export interface EventContext {
  /** The event name. */
  readonly event: string;
  /** Whether the client asked for an acknowledgement. */
  readonly ackRequested: boolean;
}

/**
 * A handler of one client event: gets the socket then the event's arguments, and returns the
 * acknowledgement (or `ackArgs(...)`), maybe in a promise. Declared as a method so that it is
 * bivariant in its parameters: annotated handlers fit a loose event map.
 */
export type EventHandler<
  Args extends unknown[] = unknown[],
  Result = unknown,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> = {
  method(
    this: EventContext,
    socket: GatewaySocket<ServerEvents, SocketData>,
    ...args: Args
  ): Result | AckArgs | Promise<Result | AckArgs>;
}["method"];

/** A handler with a Standard Schema (zod, valibot, arktype…) validating its first argument. */
export interface ValidatedEvent<
  Schema extends StandardSchemaV1 = StandardSchemaV1,
  Rest extends unknown[] = unknown[],
  Result = unknown,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> {
  /** Validates (and may transform) the first argument before the handler runs. */
  readonly schema: Schema;
  /** Runs with the validated value. */
  readonly handler: EventHandler<[InferOutput<Schema>, ...Rest], Result, ServerEvents, SocketData>;
}

/**
 * One entry of `events`: a handler, or `{ schema, handler }` whose handler receives the
 * schema's output as its first argument.
 */
export type EventEntry<
  Args extends unknown[] = unknown[],
  Result = unknown,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
  Schema extends StandardSchemaV1 = StandardSchemaV1<unknown, Args[0]>,
> =
  | EventHandler<Args, Result, ServerEvents, SocketData>
  | ValidatedEvent<
    Schema,
    Args extends [unknown?, ...infer Rest] ? Rest : unknown[], // what the schema leaves
    Result,
    ServerEvents,
    SocketData
  >;

/**
 * The schemas an event map allows: for each event, one whose output is the event's first
 * argument. `defineGateway` infers the actual schemas from `{ schema, handler }` entries.
 */
export type EventSchemas<ClientEvents extends EventsMap> = {
  [E in keyof ClientEvents]?: StandardSchemaV1<unknown, ListenerArgs<ClientEvents[E]>[0]>;
};

/**
 * The `events` of a gateway, typed from a client→server event map. `Schemas` holds the schema
 * of each `{ schema, handler }` entry (inferred by `defineGateway`), so that its handler gets
 * the schema's output.
 */
export type GatewayEvents<
  ClientEvents extends EventsMap,
  ServerEvents extends EventsMap,
  SocketData,
  Schemas = EventSchemas<ClientEvents>,
> = {
  [E in keyof Schemas]?: EventEntry<
    ListenerArgs<ClientEvents[E & keyof ClientEvents]>,
    ListenerResult<ClientEvents[E & keyof ClientEvents]>,
    ServerEvents,
    SocketData,
    Schemas[E] & StandardSchemaV1
  >;
};

/** Where an error happened, for `onError`. */
export interface GatewayErrorContext {
  /** The socket whose hook or handler failed. */
  readonly socket: AnyServerSocket;
  /** The event being handled, or "connect" / "disconnect" for those hooks. */
  readonly event: string;
}

/** What `defineGateway` takes. */
export interface GatewayDefinition<
  ClientEvents extends EventsMap = DefaultEventsMap,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
  Schemas = EventSchemas<ClientEvents>,
> {
  /** The namespace: a name (default "/"), or a RegExp / predicate for dynamic namespaces. */
  readonly namespace?: string | NamespaceMatcher;
  /** Connection middlewares run before `connect`; a throw refuses the connection. */
  readonly use?: ReadonlyArray<
    (
      socket: GatewaySocket<ServerEvents, SocketData>,
      auth: Record<string, unknown>,
    ) => void | Promise<void>
  >;
  /**
   * Admits a client: throw (or reject) to answer CONNECT_ERROR with the error's message. With
   * `connectionStateRecovery` (and `skipMiddlewares`, its default), a recovered socket
   * (`socket.recovered`) skips `use` and `connect`: it comes back with its id, rooms and data.
   */
  readonly connect?: (
    socket: GatewaySocket<ServerEvents, SocketData>,
    auth: Record<string, unknown>,
  ) => void | Promise<void>;
  /** Handlers of client events: the return value is the acknowledgement. */
  readonly events: GatewayEvents<ClientEvents, ServerEvents, SocketData, Schemas>;
  /** Runs once the socket has disconnected. */
  readonly disconnect?: (
    socket: GatewaySocket<ServerEvents, SocketData>,
    reason: DisconnectReason,
  ) => void | Promise<void>;
  /** Receives every error a hook or handler throws. */
  readonly onError?: (error: unknown, context: GatewayErrorContext) => void;
}

/** A gateway ready for `createServer({ gateways })`. */
export interface Gateway {
  /** Marks the object as a gateway. */
  readonly kind: "gateway";
  /** The namespace it serves. */
  readonly namespace: string | NamespaceMatcher;
  /** Wires the gateway into a namespace (or a parent of dynamic namespaces). */
  install(target: Namespace | ParentNamespace): void;
}

/** Several acknowledgement arguments, returned from a handler. */
export interface AckArgs {
  /** The arguments. */
  readonly args: readonly unknown[];
}
