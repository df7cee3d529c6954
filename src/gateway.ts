import { getLogger } from "./_internal/log.ts";
import type {
  InferOutput,
  StandardSchemaIssue,
  StandardSchemaV1,
} from "./_internal/standard_schema.ts";
import type { DefaultEventsMap, EventsMap, ListenerArgs, ListenerResult } from "./server/events.ts";
import type { Namespace } from "./server/namespace.ts";
import type { ParentNamespace } from "./server/parent_namespace.ts";
import type { NamespaceMatcher } from "./server/server.ts";
import type { AnyServerSocket, ServerSocket } from "./server/socket.ts";
import { type DisconnectReason, RESERVED_EVENTS } from "./server/types.ts";

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

const ACK_ARGS = Symbol("sio.ackArgs");
const KNOWN_KEYS = new Set(["namespace", "use", "connect", "events", "disconnect", "onError"]);
const log = getLogger("gateway");

/**
 * Acknowledges with several arguments: `return ackArgs(null, "ok")` calls the client's
 * callback with `(null, "ok")`.
 *
 * @example
 * ```ts
 * import { ackArgs, defineGateway } from "@sio/gateway";
 * defineGateway({ events: { sum: (_socket, a: number, b: number) => ackArgs(null, a + b) } });
 * ```
 */
export function ackArgs(...args: unknown[]): AckArgs {
  return { args, [ACK_ARGS]: true } as AckArgs;
}

/**
 * Builds a `{ schema, handler }` entry whose handler is typed from the schema's output.
 *
 * @example
 * ```ts
 * import { defineGateway, validated } from "@sio/gateway";
 * import { z } from "zod";
 * defineGateway({
 *   events: { "chat:message": validated(z.object({ text: z.string() }), (_s, msg) => msg.text) },
 * });
 * ```
 */
export function validated<
  Schema extends StandardSchemaV1,
  Rest extends unknown[],
  Result,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
>(
  schema: Schema,
  handler: (
    this: EventContext,
    socket: GatewaySocket<ServerEvents, SocketData>,
    value: InferOutput<Schema>,
    ...rest: Rest
  ) => Result,
): ValidatedEvent<Schema, Rest, Awaited<Result>, ServerEvents, SocketData> {
  return { schema, handler: handler as never };
}

/**
 * Declares a gateway: the namespace it serves, how sockets are admitted, and a handler per
 * client event whose return value is the acknowledgement. Mistakes (reserved event names,
 * unknown options, handlers that are not functions) throw here, at definition time.
 *
 * @example
 * ```ts
 * import { createServer, defineGateway } from "@sio/gateway";
 *
 * const chat = defineGateway({
 *   namespace: "/chat",
 *   connect(socket, auth) {
 *     if (auth.token !== "secret") throw new Error("unauthorized");
 *     socket.join("lobby");
 *   },
 *   events: {
 *     "chat:message"(socket, msg: { text: string }) {
 *       socket.to("lobby").emit("chat:message", msg);
 *       return { ok: true };
 *     },
 *   },
 * });
 * Deno.serve(createServer({ gateways: [chat] }).fetch);
 * ```
 */
export function defineGateway<
  ClientEvents extends EventsMap = DefaultEventsMap,
  ServerEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
  Schemas = EventSchemas<ClientEvents>,
>(definition: GatewayDefinition<ClientEvents, ServerEvents, SocketData, Schemas>): Gateway {
  checkDefinition(definition as GatewayDefinition);
  const def = definition as unknown as GatewayDefinition;
  const entries = new Map<string, { schema?: StandardSchemaV1; handler: HandlerFn }>();
  for (const [event, entry] of Object.entries(def.events)) {
    if (typeof entry === "function") entries.set(event, { handler: entry as HandlerFn });
    else if (entry) entries.set(event, entry as { schema: StandardSchemaV1; handler: HandlerFn });
  }
  const namespace = def.namespace ?? "/";
  return Object.freeze({
    kind: "gateway" as const,
    namespace,
    install(target: Namespace | ParentNamespace) {
      installGateway(def, entries, target);
    },
  });
}

type Ack = (...args: unknown[]) => void;
type HandlerFn = (this: EventContext, socket: AnyServerSocket, ...args: unknown[]) => unknown;

function installGateway(
  def: GatewayDefinition,
  entries: Map<string, { schema?: StandardSchemaV1; handler: HandlerFn }>,
  target: Namespace | ParentNamespace,
): void {
  const notify = (error: unknown, socket: AnyServerSocket, event: string) => {
    if (!def.onError) return;
    try {
      def.onError(error, { socket, event });
    } catch (hookError) {
      log.error("onError threw", { error: hookError });
    }
  };
  const report = (error: unknown, socket: AnyServerSocket, event: string) => {
    log.error("gateway handler failed", { event, sid: socket.id, error });
    notify(error, socket, event);
  };

  const admit = [...(def.use ?? []), ...(def.connect ? [def.connect] : [])];
  if (admit.length > 0) {
    target.use((socket, next) => {
      runInOrder(admit, socket, socket.handshake.auth as Record<string, unknown>).then(
        () => next(),
        (error) => {
          // a refused connection is routine (bad token…): no error-level log, but onError hears it
          notify(error, socket, "connect");
          next(asConnectError(error));
        },
      );
    });
  }

  if (def.disconnect) {
    const onDisconnect = def.disconnect;
    target.on("connection", (socket: AnyServerSocket) => {
      socket.on("disconnect", (reason) => {
        try {
          const result = onDisconnect(socket, reason as DisconnectReason);
          if (result instanceof Promise) {
            result.catch((error) => report(error, socket, "disconnect"));
          }
        } catch (error) {
          report(error, socket, "disconnect");
        }
      });
    });
  }

  const pending = new WeakMap<AnyServerSocket, Promise<void>>();
  target.onEvent((socket, event, args, ack) => {
    const entry = entries.get(event);
    if (!entry) return;
    const previous = pending.get(socket);
    if (previous) {
      const next = previous.then(() => handle(entry, socket, event, args, ack));
      pending.set(socket, next);
      void next.finally(() => {
        if (pending.get(socket) === next) pending.delete(socket);
      });
      return;
    }
    const started = handle(entry, socket, event, args, ack);
    if (started) {
      pending.set(socket, started);
      void started.finally(() => {
        if (pending.get(socket) === started) pending.delete(socket);
      });
    }
  });

  /** Runs one event; returns a promise only while an async validation holds later events. */
  function handle(
    entry: { schema?: StandardSchemaV1; handler: HandlerFn },
    socket: AnyServerSocket,
    event: string,
    args: unknown[],
    ack: Ack | undefined,
  ): Promise<void> | undefined {
    if (!entry.schema) {
      invoke(entry.handler, socket, event, args, ack);
      return undefined;
    }
    let outcome;
    try {
      outcome = entry.schema["~standard"].validate(args[0]);
    } catch (error) {
      fail(error, socket, event, ack);
      return undefined;
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => afterValidation(result, entry.handler, socket, event, args, ack),
        (error) => fail(error, socket, event, ack),
      );
    }
    afterValidation(outcome, entry.handler, socket, event, args, ack);
    return undefined;
  }

  function afterValidation(
    result: { value?: unknown; issues?: ReadonlyArray<StandardSchemaIssue> } | undefined,
    handler: HandlerFn,
    socket: AnyServerSocket,
    event: string,
    args: unknown[],
    ack: Ack | undefined,
  ): void {
    if (typeof result !== "object" || result === null) {
      fail(new TypeError("the schema returned no Standard Schema result"), socket, event, ack);
      return;
    }
    if (result.issues) {
      log.warn("event failed validation", {
        event,
        sid: socket.id,
        address: socket.handshake.address,
      });
      respond(
        ack,
        { error: "validation", issues: result.issues.map(describeIssue) },
        socket,
        event,
      );
      return;
    }
    invoke(handler, socket, event, [result.value, ...args.slice(1)], ack);
  }

  function invoke(
    handler: HandlerFn,
    socket: AnyServerSocket,
    event: string,
    args: unknown[],
    ack: Ack | undefined,
  ): void {
    let result: unknown;
    try {
      result = handler.call({ event, ackRequested: ack !== undefined }, socket, ...args);
    } catch (error) {
      fail(error, socket, event, ack);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => respond(ack, value, socket, event),
        (error) => fail(error, socket, event, ack),
      );
      return;
    }
    respond(ack, result, socket, event);
  }

  /** Sends the acknowledgement; a value that cannot be encoded becomes an error ack. */
  function respond(ack: Ack | undefined, value: unknown, socket: AnyServerSocket, event: string) {
    try {
      acknowledge(ack, value);
    } catch (error) {
      fail(error, socket, event, ack);
    }
  }

  /** Reports a failure and acknowledges `{ error }` if the client asked for an ack. */
  function fail(error: unknown, socket: AnyServerSocket, event: string, ack: Ack | undefined) {
    report(error, socket, event);
    try {
      ack?.({ error: errorMessage(error) });
    } catch (ackError) {
      log.error("could not send the error acknowledgement", { event, error: ackError });
    }
  }
}

function acknowledge(ack: ((...args: unknown[]) => void) | undefined, value: unknown): void {
  if (!ack) return;
  if (value === undefined) ack();
  else if (isAckArgs(value)) ack(...value.args);
  else ack(value);
}

function isAckArgs(value: unknown): value is AckArgs {
  return typeof value === "object" && value !== null && ACK_ARGS in value;
}

async function runInOrder(
  steps: ReadonlyArray<(socket: AnyServerSocket, auth: Record<string, unknown>) => unknown>,
  socket: AnyServerSocket,
  auth: Record<string, unknown>,
): Promise<void> {
  for (const step of steps) await step(socket, auth);
}

function asConnectError(error: unknown): Error {
  if (error instanceof Error) return error;
  const wrapped = new Error(typeof error === "string" ? error : "connection refused");
  if (typeof error === "object" && error !== null && "data" in error) {
    (wrapped as Error & { data?: unknown }).data = (error as { data: unknown }).data;
  }
  return wrapped;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "internal error";
}

function describeIssue(issue: StandardSchemaIssue): { message: string; path?: PropertyKey[] } {
  if (!issue.path) return { message: issue.message };
  const path = issue.path.map((segment) =>
    typeof segment === "object" && segment !== null ? segment.key : segment
  );
  return { message: issue.message, path };
}

function checkDefinition(def: GatewayDefinition): void {
  if (typeof def !== "object" || def === null) {
    throw new TypeError("defineGateway takes an object: { namespace?, connect?, events, ... }");
  }
  for (const key of Object.keys(def)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new TypeError(
        `defineGateway: unknown option "${key}"; expected one of ${[...KNOWN_KEYS].join(", ")}`,
      );
    }
  }
  const ns = def.namespace;
  if (
    ns !== undefined && typeof ns !== "string" && !(ns instanceof RegExp) &&
    typeof ns !== "function"
  ) {
    throw new TypeError("defineGateway: namespace must be a string, a RegExp or a function");
  }
  if (typeof ns === "string" && !ns.startsWith("/")) {
    throw new TypeError(`defineGateway: namespace "${ns}" must start with "/" (e.g. "/${ns}")`);
  }
  for (const hook of ["connect", "disconnect", "onError"] as const) {
    if (def[hook] !== undefined && typeof def[hook] !== "function") {
      throw new TypeError(`defineGateway: ${hook} must be a function`);
    }
  }
  if (
    def.use !== undefined &&
    (!Array.isArray(def.use) || def.use.some((f) => typeof f !== "function"))
  ) {
    throw new TypeError("defineGateway: use must be an array of functions (socket, auth) => void");
  }
  if (typeof def.events !== "object" || def.events === null) {
    throw new TypeError("defineGateway: events is required, e.g. events: { ping: () => 'pong' }");
  }
  for (const [event, entry] of Object.entries(def.events)) {
    if (RESERVED_EVENTS.has(event)) {
      throw new TypeError(
        `defineGateway: "${event}" is a reserved event name; use the connect/disconnect hooks or rename the event`,
      );
    }
    if (typeof entry === "function") continue;
    const candidate = entry as { handler?: unknown; schema?: unknown } | undefined;
    if (
      typeof candidate !== "object" || candidate === null || typeof candidate.handler !== "function"
    ) {
      throw new TypeError(
        `defineGateway: events["${event}"] must be a function or { schema, handler }`,
      );
    }
    const schema = candidate.schema as { "~standard"?: { validate?: unknown } } | undefined;
    if (schema !== undefined && typeof schema?.["~standard"]?.validate !== "function") {
      throw new TypeError(
        `defineGateway: events["${event}"].schema must be a Standard Schema (zod 4, valibot, arktype…)`,
      );
    }
  }
}
