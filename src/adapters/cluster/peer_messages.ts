/**
 * What another server of the cluster asks of this one, applied to this server's sockets:
 * broadcasts (with the stream offset appended when recovery is on), joins and leaves,
 * disconnections, fetchSockets and serverSideEmit (answered), broadcasts with acknowledgements
 * (the client count and each acknowledgement answered). Heartbeats and closes are ignored: the
 * adapters that carry this protocol count servers by subscribers.
 * @module
 */
import { type SocketPacket, SocketPacketType } from "../../parser/packet.ts";
import type { RemoteSocketLike } from "../../server/adapter.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { AnyServerSocket } from "../../server/socket.ts";
import type { BroadcastOptions, Room } from "../../server/types.ts";
import { localOptions, wireSocket } from "../redis/conversions.ts";
import { strings } from "../redis/protocol.ts";
import { type ClusterMessage, eventOf, MessageType, optionsOf, requestIdOf } from "./message.ts";

/** This server's own (non-publishing) operations, and how to answer the sender. */
export interface LocalOperations {
  /** The namespace served. */
  readonly nsp: Namespace;
  /** Writes a packet to the selected local sockets, as it is. */
  deliver(packet: SocketPacket, options: BroadcastOptions): void;
  /** Local socketsJoin. */
  addSockets(options: BroadcastOptions, rooms: Room[]): void;
  /** Local socketsLeave. */
  delSockets(options: BroadcastOptions, rooms: Room[]): void;
  /** Local disconnectSockets. */
  disconnectSockets(options: BroadcastOptions, close: boolean): void;
  /** Local fetchSockets. */
  fetchSockets(options: BroadcastOptions): Promise<RemoteSocketLike[]>;
  /** Local broadcast with acknowledgements. */
  broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void;
  /** Answers the sender of the message being applied. */
  respond(type: number, data: Record<string, unknown>): void;
}

/** Applies one message of another server (never a response) to this server. */
export function applyPeerMessage(
  message: ClusterMessage,
  offset: string | undefined,
  local: LocalOperations,
): void {
  const { data } = message;
  const requestId = requestIdOf(data);
  const options = localOptions(optionsOf(data));
  switch (message.type) {
    case MessageType.BROADCAST: {
      const event = eventOf(data?.packet);
      if (!event) return;
      const packet: SocketPacket = {
        type: SocketPacketType.EVENT,
        nsp: local.nsp.name,
        data: [...event],
      };
      if (requestId === undefined) {
        if (offset !== undefined && recordable(local.nsp, options)) {
          (packet.data as unknown[]).push(offset);
        }
        local.deliver(packet, options);
        return;
      }
      local.broadcastWithAck(
        packet,
        options,
        (clientCount) =>
          local.respond(MessageType.BROADCAST_CLIENT_COUNT, { requestId, clientCount }),
        (...args) => local.respond(MessageType.BROADCAST_ACK, { requestId, packet: args[0] }),
      );
      return;
    }
    case MessageType.SOCKETS_JOIN:
      local.addSockets(options, strings(data?.rooms));
      return;
    case MessageType.SOCKETS_LEAVE:
      local.delSockets(options, strings(data?.rooms));
      return;
    case MessageType.DISCONNECT_SOCKETS:
      local.disconnectSockets(options, data?.close === true);
      return;
    case MessageType.FETCH_SOCKETS: {
      if (requestId === undefined) return;
      void local.fetchSockets(options).then((found) => {
        const sockets = (found as AnyServerSocket[]).map(wireSocket);
        local.respond(MessageType.FETCH_SOCKETS_RESPONSE, { requestId, sockets });
      });
      return;
    }
    case MessageType.SERVER_SIDE_EMIT: {
      const args = data?.packet;
      if (!Array.isArray(args) || typeof args[0] !== "string") return;
      if (requestId === undefined) {
        local.nsp._onServerSideEmit(args);
        return;
      }
      let answered = false;
      const callback = (response?: unknown) => {
        if (answered) return;
        answered = true;
        local.respond(MessageType.SERVER_SIDE_EMIT_RESPONSE, { requestId, packet: response });
      };
      local.nsp._onServerSideEmit([...args, callback]);
      return;
    }
  }
}

/** Whether a broadcast without acknowledgement gets an offset here (recovery on, not volatile). */
function recordable(nsp: Namespace, options: BroadcastOptions): boolean {
  return nsp.recovery !== undefined && !options.flags.volatile;
}
