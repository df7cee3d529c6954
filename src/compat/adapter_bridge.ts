/**
 * socket.io's `adapter` option takes a class built with the namespace: a subclass of
 * socket.io-adapter's `Adapter` (custom adapters, and the database adapters built on it). Such a
 * class reaches into socket.io's objects: `nsp.server.encoder`, `nsp.server.opts`, `nsp._ids`,
 * and, per socket, `socket.acks`, `socket.notifyOutgoingListeners` and
 * `socket.client.writeToEngine`. This module gives the compat namespaces and sockets those
 * members, each mapped onto the core's own: the server's codec, the namespace's ack ids, the
 * socket's ack registry, its outgoing listeners, and the connection's frame writer.
 * @module
 */
import type { Client } from "../server/client.ts";
import type { Namespace } from "../server/namespace.ts";
import type { ServerSocket } from "../server/socket.ts";
import type { Ack } from "../server/acks.ts";
import type { SocketPacket } from "../parser/packet.ts";
import type { Adapter } from "../server/adapter.ts";
import { InMemoryAdapter } from "../server/in_memory_adapter.ts";
import { adapterFactory, type CompatServerOptions } from "./options.ts";

/** What socket.io-adapter reads of `nsp.server`. */
export interface AdapterServerView {
  /** Encodes a packet into its frames (socket.io-parser's `Encoder#encode`). */
  readonly encoder: { encode(packet: SocketPacket): (string | Uint8Array)[] };
  /** The server's options (socket.io-adapter reads `connectionStateRecovery`). */
  readonly opts: Record<string, unknown>;
}

/** The adapter of a compat namespace: the `adapter` option's (socket.io-adapter's too), else in memory. */
export function compatAdapter(nsp: Namespace, options: CompatServerOptions): Adapter {
  const encoder = { encode: (packet: SocketPacket) => [...nsp.codec.encode(packet)] };
  bridgeNamespace(nsp, { encoder, opts: options as Record<string, unknown> });
  return options.adapter ? adapterFactory(options.adapter)(nsp) : new InMemoryAdapter(nsp);
}

/** Gives a namespace `server` and `_ids`, before its adapter is built. */
export function bridgeNamespace(nsp: Namespace, server: AdapterServerView): void {
  if (Object.hasOwn(nsp, "_ids")) return;
  Object.defineProperties(nsp, {
    server: { value: server, configurable: true },
    // `packet.id = nsp._ids++`: each read is a fresh id of the namespace's acknowledgements
    _ids: { get: () => nsp._nextAckId(), set: () => {}, configurable: true },
  });
}

/** Gives a socket `acks`, `notifyOutgoingListeners`, and its client `writeToEngine`. */
export function bridgeSocket(socket: ServerSocket): void {
  Object.defineProperties(socket, {
    acks: {
      value: {
        set: (id: number, ack: Ack) => socket._acks.expectBroadcast(id, ack),
        delete: (id: number) => socket._acks.forget(id),
      },
      configurable: true,
    },
    notifyOutgoingListeners: {
      value: (packet: SocketPacket) => socket._outbox.notify(packet.data as unknown[]),
      configurable: true,
    },
  });
  const client: Client = socket.client;
  if (Object.hasOwn(client, "writeToEngine")) return;
  Object.defineProperty(client, "writeToEngine", {
    value: (frames: (string | Uint8Array)[], options: { volatile?: boolean; compress?: boolean }) =>
      client.writeFrames(frames, { volatile: options.volatile, compress: options.compress }),
    configurable: true,
  });
}
