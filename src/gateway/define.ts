import { callSafely, isThenable, toError } from "../_internal/call_safely.ts";
import { getLogger } from "../_internal/log.ts";
import type { InferOutput, StandardSchemaV1 } from "../_internal/standard_schema.ts";
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import type { Namespace } from "../server/namespace.ts";
import type { ConnectMiddleware } from "../server/namespace_hooks.ts";
import type { ParentNamespace } from "../server/parent_namespace.ts";
import type { AnyServerSocket } from "../server/socket.ts";
import { RESERVED_EVENTS } from "../server/types.ts";
import { createDispatcher, type GatewayEntry, type HandlerFn, markAckArgs } from "./dispatch.ts";
import type {
  AckArgs,
  EventContext,
  EventSchemas,
  Gateway,
  GatewayDefinition,
  GatewaySocket,
  ValidatedEvent,
} from "./types.ts";

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
  return markAckArgs(args);
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
  const entries = new Map<string, GatewayEntry>();
  for (const [event, entry] of Object.entries(def.events)) {
    if (typeof entry === "function") entries.set(event, { handler: entry as HandlerFn });
    else if (entry) entries.set(event, entry as GatewayEntry);
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

/** Wires a gateway into a namespace: its hooks as middlewares and listeners, its events as routes. */
function installGateway(
  def: GatewayDefinition,
  entries: ReadonlyMap<string, GatewayEntry>,
  target: Namespace | ParentNamespace,
): void {
  const notify = (error: unknown, socket: AnyServerSocket, event: string) => {
    if (!def.onError) return;
    callSafely(def.onError, [error, { socket, event }], (hookError) => {
      log.error("onError threw", { error: hookError });
    });
  };
  const report = (error: unknown, socket: AnyServerSocket, event: string) => {
    log.error("gateway handler failed", { event, sid: socket.id, error });
    notify(error, socket, event);
  };

  for (const hook of [...(def.use ?? []), ...(def.connect ? [def.connect] : [])]) {
    target.use(admissionStep(hook, notify));
  }

  const onDisconnect = def.disconnect;
  if (onDisconnect) {
    // one listener for every socket, no closure each: a socket calls it with itself as `this`
    const disconnected = function (this: AnyServerSocket, reason: unknown) {
      callSafely(onDisconnect, [this, reason as never], (error) => {
        report(error, this, "disconnect");
      });
    };
    target.on("connection", (socket: AnyServerSocket) => {
      socket.on("disconnect", disconnected as (...args: unknown[]) => void);
    });
  }

  const routeOf = createDispatcher(report);
  for (const [event, entry] of entries) target.route(event, routeOf(event, entry));
}

/**
 * A `use` or `connect` hook as a connection middleware: it admits the socket once the hook
 * returns (or its promise resolves); a throw or a rejection refuses it with that error (a
 * refusal is routine, a bad token…: no error-level log, but `onError` hears it).
 */
function admissionStep(
  hook: (socket: AnyServerSocket, auth: Record<string, unknown>) => unknown,
  notify: (error: unknown, socket: AnyServerSocket, event: string) => void,
): ConnectMiddleware {
  return (socket, next) => {
    const refuse = (error: unknown) => {
      notify(error, socket, "connect");
      next(toError(error, "connection refused"));
    };
    try {
      const result = hook(socket, socket._auth);
      if (isThenable(result)) result.then(() => next(), refuse);
      else next();
    } catch (error) {
      refuse(error);
    }
  };
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
