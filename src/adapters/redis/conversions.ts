/**
 * Between the server's view of a broadcast (sets of rooms, flags, socket objects) and the
 * protocol's (arrays, plain objects).
 * @module
 */
import type { SocketPacket } from "../../parser/packet.ts";
import { SocketPacketType } from "../../parser/packet.ts";
import type { AnyServerSocket } from "../../server/socket.ts";
import type { BroadcastFlags, BroadcastOptions } from "../../server/types.ts";
import type { WireBroadcastOptions, WirePacket, WireSelection, WireSocket } from "./protocol.ts";

/** A packet as it travels: always EVENT (2), binary inline. */
export function wirePacket(packet: SocketPacket): WirePacket {
  return { type: SocketPacketType.EVENT, data: packet.data as unknown[], nsp: packet.nsp };
}

/** Rooms and exceptions as arrays. */
export function selectionOf(options: BroadcastOptions): WireSelection {
  return { rooms: [...options.rooms], except: [...options.except] };
}

/** Rooms, exceptions and flags (never `local`) as they travel. */
export function wireOptions(options: BroadcastOptions): WireBroadcastOptions {
  const { local: _local, ...flags } = options.flags;
  return { ...selectionOf(options), flags };
}

/** What a peer's selection means here: rooms, exceptions, and the flags receivers honour. */
export function localOptions(opts: WireBroadcastOptions): BroadcastOptions {
  const flags: { -readonly [K in keyof BroadcastFlags]: BroadcastFlags[K] } = {};
  if (opts.flags.volatile === true) flags.volatile = true;
  if (typeof opts.flags.compress === "boolean") flags.compress = opts.flags.compress;
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags };
}

/** A local socket as a fetchSockets response lists it (socket.io's handshake shape). */
export function wireSocket(socket: AnyServerSocket): WireSocket {
  const { vars: _vars, ...handshake } = socket.handshake;
  return { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data ?? {} };
}
