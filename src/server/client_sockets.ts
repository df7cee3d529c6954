/**
 * The sockets of one connection, by namespace name, in the order they joined. Nearly every
 * connection joins one namespace, so one socket is held as itself: a Map (about 200 bytes on
 * V8 even for one entry) is made only for the second. The functions return the new value to
 * store, the way `Array.prototype.concat` does.
 * @module
 */
import type { AnyServerSocket } from "./socket.ts";

/** No socket, one socket, or a Map of them by namespace name (insertion order kept). */
export type ClientSockets = AnyServerSocket | Map<string, AnyServerSocket> | undefined;

/** The socket in namespace `name`. */
export function socketIn(sockets: ClientSockets, name: string): AnyServerSocket | undefined {
  if (sockets === undefined) return undefined;
  if (sockets instanceof Map) return sockets.get(name);
  return sockets.nsp.name === name ? sockets : undefined;
}

/** How many sockets there are. */
export function socketCount(sockets: ClientSockets): number {
  if (sockets === undefined) return 0;
  return sockets instanceof Map ? sockets.size : 1;
}

/** A copy of the sockets, in joining order: safe to iterate while they leave. */
export function socketList(sockets: ClientSockets): AnyServerSocket[] {
  if (sockets === undefined) return [];
  return sockets instanceof Map ? [...sockets.values()] : [sockets];
}

/** The sockets with `socket` set as its namespace's (replacing the one there, in place). */
export function withSocket(sockets: ClientSockets, socket: AnyServerSocket): ClientSockets {
  const name = socket.nsp.name;
  if (sockets === undefined) return socket;
  if (sockets instanceof Map) return sockets.set(name, socket);
  if (sockets.nsp.name === name) return socket;
  return new Map([[sockets.nsp.name, sockets], [name, socket]]);
}

/** The sockets without `socket` (unchanged if its namespace holds another one). */
export function withoutSocket(sockets: ClientSockets, socket: AnyServerSocket): ClientSockets {
  if (sockets === undefined) return undefined;
  if (!(sockets instanceof Map)) return sockets === socket ? undefined : sockets;
  const name = socket.nsp.name;
  if (sockets.get(name) === socket) sockets.delete(name);
  return sockets.size === 0 ? undefined : sockets;
}
