/**
 * What the admin counts at the Engine.IO layer: connections and disconnections (by reason),
 * messages and bytes in both directions, and how many connections are still on long-polling.
 * @module
 */
import type { PacketData } from "../engine/packet.ts";
import type { Engine } from "../engine/server.ts";
import type { CreatedPacket, EngineCloseReason, EngineSocket } from "../engine/engine_socket.ts";
import { type EventCounts, utf8Length } from "./event_counts.ts";

/** The engine's connections as the admin counts them. */
export interface EngineWatch {
  /** Connections opened since `watchEngine` that are still on HTTP long-polling. */
  readonly pollingClientsCount: number;
  /** Stops counting new connections. */
  stop(): void;
}

/** Counts the engine's traffic into `counts` from now on. */
export function watchEngine(engine: Engine, counts: EventCounts): EngineWatch {
  let polling = 0;
  const onConnection = (session: EngineSocket) => {
    counts.add("rawConnection");
    if (session.transport === "polling") {
      polling++;
      let counted = true;
      const uncount = () => {
        if (counted) polling--;
        counted = false;
      };
      session.on("upgrade", uncount);
      session.on("close", uncount);
    }
    session.on("message", (data: PacketData) => {
      counts.add("packetsIn");
      counts.add("bytesIn", undefined, sizeOf(data));
    });
    session.on("packetCreate", (packet: CreatedPacket) => {
      if (packet.type !== "message") return;
      counts.add("packetsOut");
      counts.add("bytesOut", undefined, sizeOf(packet.data ?? ""));
    });
    session.on("close", (reason: EngineCloseReason) => counts.add("rawDisconnection", reason));
  };
  engine.on("connection", onConnection);
  return {
    get pollingClientsCount() {
      return polling;
    },
    stop: () => engine.off("connection", onConnection),
  };
}

function sizeOf(data: PacketData): number {
  return typeof data === "string" ? utf8Length(data) : data.byteLength;
}
