/**
 * Type-level checks of `defineGateway`, `validated` and `createServer`, compiled by `deno check`
 * (part of `deno test`). The checks live in functions that are never called: at run time (Deno
 * or Bun) only the last test runs. A `@ts-expect-error` line fails the check if the line below
 * it compiles, so each one proves that a mistake is refused.
 *
 * Event maps follow this project's convention: a client event's parameters are its arguments
 * and its return type is the acknowledgement the handler returns. Maps may be `type` aliases
 * or interfaces.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import * as v from "valibot";
import {
  ackArgs,
  createServer,
  defineGateway,
  type DisconnectReason,
  type EventContext,
  type Gateway,
  type GatewayDefinition,
  type GatewaySocket,
  validated,
} from "../../mod.ts";

/** Client → server events: arguments, and the acknowledgement as return type. */
type ClientEvents = {
  "chat:message": (msg: { text: string }) => { ok: boolean };
  sum: (a: number, b: number) => number;
  ping: () => void;
  "profile:update": (profile: { name: string; age: number }, notify: boolean) => string;
};

/** Server → client events. */
type ServerEvents = {
  "chat:message": (msg: { from: string; text: string }) => void;
  score: (points: number) => void;
};

/** What the application keeps on each socket. */
type SocketData = { user: string; joined: number };

/** The same kind of map written as an interface, as socket.io users usually do. */
interface InterfaceServerEvents {
  notice: (text: string) => void;
}

function interfaceEventMapsWork(): Gateway {
  return defineGateway<{ hello: (name: string) => string }, InterfaceServerEvents>({
    events: {
      hello(socket, name) {
        socket.emit("notice", `hi ${name}`);
        // @ts-expect-error notice takes a string
        socket.emit("notice", 42);
        return name;
      },
    },
  });
}

/** Keeps a value "used" without doing anything with it. */
function use(..._values: unknown[]): void {}

function handlerArgumentsAreInferredFromTheEventMap(): Gateway {
  return defineGateway<ClientEvents, ServerEvents, SocketData>({
    namespace: "/chat",
    use: [(socket, auth) => {
      const user: string = socket.data.user;
      const token: unknown = auth.token;
      use(user, token);
    }],
    connect(socket, auth) {
      socket.data.user = String(auth.user);
      socket.data.joined = Date.now();
      // @ts-expect-error SocketData has no "role"
      socket.data.role = "admin";
      // @ts-expect-error "user" is a string
      socket.data.user = 42;
      socket.join("lobby");
    },
    events: {
      "chat:message"(socket, msg) {
        const text: string = msg.text;
        // @ts-expect-error the message has a text, no sender
        use(msg.from);
        const user: string = socket.data.user;
        socket.to("lobby").emit("chat:message", { from: user, text });
        return { ok: true };
      },
      sum(_socket, a, b) {
        const first: number = a;
        const second: number = b;
        // @ts-expect-error a is a number, not a string (nor any)
        const wrong: string = a;
        use(wrong);
        return first + second;
      },
      ping(socket) {
        const joined: number = socket.data.joined;
        use(joined);
      },
      "profile:update": async (_socket, profile, notify) => {
        const name: string = profile.name;
        const age: number = profile.age;
        const flag: boolean = notify;
        use(age, flag);
        return await Promise.resolve(name);
      },
    },
    disconnect(socket, reason) {
      const why: DisconnectReason = reason;
      const user: string = socket.data.user;
      use(why, user);
    },
    onError(error, context) {
      const what: unknown = error;
      const event: string = context.event;
      use(what, event, context.socket.id);
    },
  });
}

function socketEmitIsTypedByTheServerEventMap(): Gateway {
  return defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      ping(socket: GatewaySocket<ServerEvents, SocketData>) {
        socket.emit("score", 10);
        socket.emit("chat:message", { from: "server", text: "hi" });
        socket.broadcast.emit("score", 1);
        socket.to("room").emit("score", 2);
        // @ts-expect-error score takes a number
        socket.emit("score", "10");
        // @ts-expect-error score takes one argument
        socket.emit("score");
        // @ts-expect-error the message needs a sender
        socket.emit("chat:message", { text: "hi" });
        // @ts-expect-error not a server event
        socket.emit("unknown", 1);
        // @ts-expect-error not a server event, for broadcasts either
        socket.to("room").emit("unknown", 1);
      },
    },
  });
}

function theEventMapChecksNamesAndAcknowledgements(): void {
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      // @ts-expect-error not a client event
      unknown: () => {},
    },
  });
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      // @ts-expect-error the acknowledgement of sum is a number
      sum: (_socket, a, b) => `${a + b}`,
    },
  });
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      sum: (_socket, a, b) => ackArgs(a, b), // several acknowledgement arguments
      ping: () => {}, // not every event needs a handler
    },
  });
}

function handlersSeeTheirEventContext(): void {
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      sum(_socket, a, b) {
        const asked: boolean = this.ackRequested;
        const event: string = this.event;
        use(asked, event);
        return a + b;
      },
    },
  });
  defineGateway({
    events: {
      anything(this: EventContext) {
        return this.ackRequested;
      },
      helper: validated(z.number(), function (_socket, n) {
        const asked: boolean = this.ackRequested;
        return asked ? n : 0;
      }),
    },
  });
}

function schemaEntriesInATypedGateway(): void {
  const profile = z.object({ name: z.string(), age: z.coerce.number() });
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      "profile:update": {
        schema: profile,
        handler(socket, value, notify) {
          const name: string = value.name;
          const age: number = value.age;
          const flag: boolean = notify;
          socket.emit("score", age);
          use(flag);
          return name;
        },
      },
      "chat:message": validated(z.object({ text: z.string().min(1) }), (socket, msg) => {
        const text: string = msg.text;
        const user: string = socket.data.user;
        socket.emit("chat:message", { from: user, text });
        // @ts-expect-error the socket is typed from the gateway's ServerEvents
        socket.emit("score", "1");
        return { ok: true };
      }),
    },
  });
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      "profile:update": {
        // @ts-expect-error the schema's output must be the event's first argument
        schema: z.object({ name: z.number() }),
        handler: () => "",
      },
    },
  });
  defineGateway<ClientEvents, ServerEvents, SocketData>({
    events: {
      // @ts-expect-error validated's output must be the event's first argument
      "chat:message": validated(z.string(), () => ({ ok: true })),
    },
  });
}

function schemaEntriesInAnUntypedGateway(): void {
  defineGateway({
    events: {
      zod: {
        schema: z.object({ n: z.number(), when: z.coerce.date() }),
        handler(_socket, value) {
          const n: number = value.n;
          const when: Date = value.when;
          // @ts-expect-error the output has no "m"
          use(value.m);
          return n + when.getTime();
        },
      },
      zodTransform: {
        schema: z.string().transform((text) => text.length),
        handler: (_socket, length) => {
          const n: number = length;
          return n;
        },
      },
      valibot: {
        schema: v.object({ name: v.string(), age: v.optional(v.number(), 0) }),
        handler(_socket, value) {
          const name: string = value.name;
          const age: number = value.age;
          return `${name} ${age}`;
        },
      },
      helper: validated(z.object({ n: z.number() }), (_socket, value) => value.n),
      plain(_socket, anything) {
        // @ts-expect-error arguments of an untyped event are unknown until checked
        use(anything.foo);
        return typeof anything;
      },
    },
  });
}

function validatedTypesItsValueFromTheSchema(): void {
  const entry = validated(z.object({ n: z.number() }), (_socket, value) => {
    const n: number = value.n;
    // @ts-expect-error the output has no "m"
    use(value.m);
    return n;
  });
  const schemaOutput: { n: number } = { n: 1 };
  const checked: Parameters<typeof entry.schema["~standard"]["validate"]> = [schemaOutput];
  use(checked);
  const withRest = validated(v.string(), (_socket, text, count: number) => text.repeat(count));
  use(withRest);
  // @ts-expect-error the value is a string: no arithmetic on it
  validated(v.string(), (_socket, text) => text * 2);
}

function definitionsAsValuesAndOptionalEntries(flag: boolean): void {
  const sum = (_socket: unknown, a: number, b: number) => a + b;
  defineGateway({ events: { absent: undefined, maybe: flag ? sum : undefined } });
  defineGateway<ClientEvents>({ events: { sum: flag ? sum : undefined, ping: undefined } });
  const typed: GatewayDefinition<ClientEvents, ServerEvents, SocketData> = {
    events: { sum: (_socket, a, b) => a + b },
  };
  defineGateway(typed);
  const loose: GatewayDefinition = {
    events: { n: { schema: z.number(), handler: (_socket, n) => n } },
  };
  defineGateway(loose);
}

function createServerIsTypedByTheServerEventMap(gateway: Gateway): void {
  const io = createServer<ServerEvents>({ gateways: [gateway] });
  io.emit("score", 1);
  io.to("lobby").emit("chat:message", { from: "server", text: "hi" });
  // @ts-expect-error score takes a number
  io.emit("score", "1");
  // @ts-expect-error not a server event
  io.of("/chat").emit("unknown");
}

describe("gateway types", () => {
  it("are checked by `deno check`; at run time the checks are plain functions", () => {
    const checks = [
      handlerArgumentsAreInferredFromTheEventMap,
      socketEmitIsTypedByTheServerEventMap,
      theEventMapChecksNamesAndAcknowledgements,
      handlersSeeTheirEventContext,
      schemaEntriesInATypedGateway,
      schemaEntriesInAnUntypedGateway,
      validatedTypesItsValueFromTheSchema,
      definitionsAsValuesAndOptionalEntries,
      createServerIsTypedByTheServerEventMap,
      interfaceEventMapsWork,
    ];
    for (const check of checks) assert.equal(typeof check, "function");
  });
});
