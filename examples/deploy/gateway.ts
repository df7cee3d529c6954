/**
 * The deploy example's gateway: `join` a room, and `work`, a job that takes a while (as a
 * database write would) and is acknowledged when done — the kind of handler a drain lets
 * finish before the server goes away.
 */
import { defineGateway, type Gateway } from "../../mod.ts";

/** A job: its id, and how long it takes (ms, at most 5000). */
export interface Job {
  id: string;
  ms?: number;
}

/** The gateway, its acknowledgements naming the server that did the job. */
export function workGateway(node: string): Gateway {
  return defineGateway({
    events: {
      async join(socket, room: string) {
        await socket.join(room);
        return { room, node };
      },
      async work(_socket, job: Job) {
        const ms = Math.min(Math.max(Number(job?.ms) || 0, 0), 5000);
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { id: String(job?.id), node };
      },
    },
  });
}
