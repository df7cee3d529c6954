/**
 * The socket.io members the core's sockets and namespaces lack, added per instance (own
 * properties) so that core users outside the compat layer are unaffected.
 * @module
 */
import type { Namespace } from "../server/namespace.ts";
import type { ServerSocket } from "../server/socket.ts";
import type { Room, SocketId } from "../server/types.ts";
import { hasBytes, toBuffers } from "./buffers.ts";
import { compatConn } from "./engine_adapter.ts";
import { bridgeSocket } from "./adapter_bridge.ts";

type AnySocket = ServerSocket;
type Emit = (event: string, ...args: unknown[]) => boolean;

/** Gives a socket `conn` (engine.io-shaped), `leaveAll`, and Buffers for binary data. */
export function decorateSocket(socket: AnySocket): void {
  Object.defineProperty(socket, "conn", {
    get: () => compatConn(socket.client.conn),
    configurable: true,
  });
  const emit = socket.emit.bind(socket) as Emit;
  Object.defineProperties(socket, {
    once: {
      value: (event: string, listener: (...args: unknown[]) => void) => {
        const fn = (...args: unknown[]) => {
          socket.off(event, fn);
          listener(...args);
        };
        return socket.on(event, fn);
      },
      configurable: true,
    },
    leaveAll: {
      value: () => {
        for (const room of [...socket.rooms]) socket.leave(room);
      },
      configurable: true,
    },
    emit: {
      value: (event: string, ...args: unknown[]) => {
        const last = args[args.length - 1];
        if (typeof last === "function") {
          args[args.length - 1] = (...reply: unknown[]) =>
            last(...(hasBytes(reply) ? toBuffers(reply) as unknown[] : reply));
        }
        return emit(event, ...args);
      },
      configurable: true,
      writable: true,
    },
  });
  socket.use((packet, next) => {
    if (hasBytes(packet)) toBuffers(packet);
    next();
  });
  bridgeSocket(socket);
}

/** Gives a namespace socket.io's `once()` and `allSockets()`. */
export function decorateNamespace(nsp: Namespace): void {
  if (typeof (nsp as { to?: unknown }).to !== "function") return;
  Object.defineProperties(nsp, {
    once: {
      value: (event: string, listener: (...args: never[]) => void) => {
        const fn = (...args: never[]) => {
          nsp.off(event, fn);
          listener(...args);
        };
        return nsp.on(event, fn);
      },
      configurable: true,
    },
    allSockets: {
      value: async (): Promise<Set<SocketId>> => {
        const sockets = await nsp.fetchSockets();
        return new Set(sockets.map((socket) => socket.id));
      },
      configurable: true,
    },
  });
}

/** A room list, for `in(...).allSockets()` (socket.io 4's deprecated form). */
export type Rooms = Room | readonly Room[];

/**
 * Gives a namespace (or a parent of dynamic namespaces, for its children) and its sockets
 * socket.io's shape, once per namespace.
 */
export function namespaceDecorator(): (nsp: object) => void {
  const decorated = new WeakSet<object>();
  const decorate = (socket: AnySocket) => {
    if (!Object.hasOwn(socket, "conn")) decorateSocket(socket);
  };
  return (nsp) => {
    if (decorated.has(nsp)) return;
    decorated.add(nsp);
    decorateNamespace(nsp as Namespace);
    (nsp as Namespace).use((socket, next) => {
      decorate(socket as unknown as AnySocket);
      next();
    });
    (nsp as Namespace).on("connection", decorate as never);
  };
}
