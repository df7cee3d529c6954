/**
 * What the other servers publish on their own initiative, applied to this server: their
 * broadcasts (on the namespace's broadcast and room channels), and their requests (on the
 * request channel: fetchSockets, socketsJoin/Leave, disconnectSockets, serverSideEmit,
 * broadcasts with acknowledgements, allRooms, the sockets of rooms), answered on the response
 * channel. Answers to this server's own requests are the adapter's business.
 * @module
 */
import { getLogger } from "../../_internal/log.ts";
import { type SocketPacket, SocketPacketType } from "../../parser/packet.ts";
import type { InMemoryAdapter } from "../../server/in_memory_adapter.ts";
import type { Room } from "../../server/types.ts";
import type { MessageHandler } from "./clients.ts";
import { decodeMessage } from "./codec.ts";
import { localOptions, wireSocket } from "./conversions.ts";
import {
  type Channels,
  encodeAllRoomsResponse,
  encodeBroadcastAckResponse,
  encodeClientCountResponse,
  encodeEmptyResponse,
  encodeFetchResponse,
  encodeServerSideEmitResponse,
  encodeSocketsResponse,
  parseBroadcast,
  parseRequest,
  type Request,
  RequestType,
  type WireBroadcastOptions,
  type WireSocket,
} from "./protocol.ts";

const log = getLogger("redis");

const NO_SELECTION: WireBroadcastOptions = { rooms: [], except: [], flags: {} };

/**
 * The adapter operations peer messages are applied with. They must act on this server's
 * sockets only: the cluster adapter passes its in-memory (non-publishing) versions, so that
 * applying a peer's message never publishes it again.
 */
export type LocalOperations = Pick<
  InMemoryAdapter,
  | "nsp"
  | "rooms"
  | "apply"
  | "deliver"
  | "addSockets"
  | "delSockets"
  | "disconnectSockets"
  | "broadcastWithAck"
>;

/** What `createPeerHandlers` needs. */
export interface PeerHandlerOptions {
  /** The uid this namespace publishes with: its own messages come back and are skipped. */
  readonly uid: string;
  /** The namespace's channels. */
  readonly channels: Channels;
  /** Where peer messages are applied. */
  readonly local: LocalOperations;
  /** Publishes an answer on the namespace's response channel. */
  readonly respond: (message: string | Uint8Array) => void;
}

/** The subscription listeners of a namespace's broadcast pattern and request channel. */
export interface PeerHandlers {
  /** For the broadcast pattern (`P#N#*`): delivers other servers' broadcasts locally. */
  readonly onBroadcast: MessageHandler;
  /** For the request channel: applies other servers' requests locally and answers them. */
  readonly onRequest: MessageHandler;
}

/**
 * The listeners of what other servers publish. Each decodes its message, skips malformed ones
 * and the server's own, and applies the rest locally; errors are logged, never thrown.
 *
 * @example
 * ```ts ignore
 * const peers = createPeerHandlers({ uid, channels, local, respond });
 * await sub.psubscribe(channels.pattern, peers.onBroadcast);
 * await sub.subscribe(channels.request, peers.onRequest);
 * ```
 */
export function createPeerHandlers(options: PeerHandlerOptions): PeerHandlers {
  const { uid, channels, local } = options;
  const nsp = local.nsp.name;
  const onBroadcast: MessageHandler = (channel, message) => {
    const prefix = channels.broadcast;
    if (!channel.startsWith(prefix)) return;
    // a room channel is only an optimisation: skip it when no local socket is in that room
    const room = channel.slice(prefix.length, -1);
    if (room !== "" && !local.rooms.has(room)) return;
    const decoded = decodeMessage(message);
    const parsed = decoded.ok ? parseBroadcast(decoded.value) : decoded;
    if (!parsed.ok) {
      log.debug("ignored a malformed broadcast", { channel, error: parsed.error });
      return;
    }
    const { packet, opts } = parsed.value;
    if (parsed.value.uid === uid || packet.nsp !== nsp) return;
    try {
      // as it came: the sender appended the recovery offset, if any
      local.deliver({ type: SocketPacketType.EVENT, nsp, data: packet.data }, localOptions(opts));
    } catch (error) {
      log.error("could not deliver a broadcast from Redis", { nsp, error });
    }
  };
  const onRequest: MessageHandler = (_channel, message) => {
    const decoded = decodeMessage(message);
    const parsed = decoded.ok ? parseRequest(decoded.value) : decoded;
    if (!parsed.ok) {
      log.debug("ignored a malformed request", { nsp, error: parsed.error });
      return;
    }
    const request = parsed.value;
    // our own requests come back too: we applied them before publishing, or we asked
    if (request.uid === uid) return;
    try {
      handleRequest(request, options);
    } catch (error) {
      log.error("could not handle a request from Redis", { nsp, type: request.type, error });
    }
  };
  return { onBroadcast, onRequest };
}

function handleRequest(request: Request, { local, respond }: PeerHandlerOptions): void {
  const { requestId } = request;
  const selection = localOptions(request.opts ?? NO_SELECTION);
  switch (request.type) {
    case RequestType.SOCKETS: {
      if (requestId === undefined) return;
      const ids: string[] = [];
      const rooms = { rooms: new Set(request.rooms), except: new Set<Room>(), flags: {} };
      local.apply(rooms, (socket) => ids.push(socket.id));
      respond(encodeSocketsResponse(requestId, ids));
      return;
    }
    case RequestType.ALL_ROOMS:
      if (requestId !== undefined) {
        respond(encodeAllRoomsResponse(requestId, [...local.rooms.keys()]));
      }
      return;
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE: {
      const join = request.type === RequestType.REMOTE_JOIN;
      if (request.opts) {
        if (join) local.addSockets(selection, request.rooms);
        else local.delSockets(selection, request.rooms);
        return;
      }
      // legacy per-socket form
      const socket = request.sid === undefined ? undefined : local.nsp.sockets.get(request.sid);
      if (!socket || request.room === undefined) return;
      if (join) socket.join(request.room);
      else socket.leave(request.room);
      if (requestId !== undefined) respond(encodeEmptyResponse(requestId));
      return;
    }
    case RequestType.REMOTE_DISCONNECT: {
      if (request.opts) {
        local.disconnectSockets(selection, request.close);
        return;
      }
      const socket = request.sid === undefined ? undefined : local.nsp.sockets.get(request.sid);
      if (!socket) return;
      socket.disconnect(request.close);
      if (requestId !== undefined) respond(encodeEmptyResponse(requestId));
      return;
    }
    case RequestType.REMOTE_FETCH: {
      if (requestId === undefined) return;
      const sockets: WireSocket[] = [];
      local.apply(selection, (socket) => sockets.push(wireSocket(socket)));
      respond(encodeFetchResponse(requestId, sockets));
      return;
    }
    case RequestType.SERVER_SIDE_EMIT: {
      const data = request.data;
      if (!data || typeof data[0] !== "string") return;
      if (requestId === undefined) {
        local.nsp._onServerSideEmit(data);
        return;
      }
      let answered = false;
      const callback = (response?: unknown) => {
        if (answered) return;
        answered = true;
        respond(encodeServerSideEmitResponse(requestId, response));
      };
      local.nsp._onServerSideEmit([...data, callback]);
      return;
    }
    case RequestType.BROADCAST: {
      if (requestId === undefined || !request.packet) return;
      const packet: SocketPacket = {
        type: SocketPacketType.EVENT,
        nsp: local.nsp.name,
        data: request.packet.data,
      };
      local.broadcastWithAck(
        packet,
        selection,
        (count) => respond(encodeClientCountResponse(requestId, count)),
        (...args) => respond(encodeBroadcastAckResponse(requestId, args[0])),
      );
      return;
    }
  }
}
