/**
 * The actions the Admin UI sends — `emit`, `join`, `leave`, `_disconnect` — each on the sockets
 * of a namespace, optionally only those in one room (a socket's own id names one socket). They
 * go through the namespace's broadcast operations, so a cluster adapter carries them to the
 * sockets of every server. What the UI sends is checked: anything malformed is ignored (and
 * answered with an error when the UI asked for an acknowledgement).
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import type { Namespace } from "../server/namespace.ts";
import type { AnyServerSocket } from "../server/socket.ts";
import { RESERVED_EVENTS } from "../server/types.ts";

const log = getLogger("admin");

/** The actions' event names, as the UI sends them. */
export const ACTION_EVENTS: readonly string[] = ["emit", "join", "leave", "_disconnect"];

/** Finds a namespace that exists on this server (never creates one). */
export type FindNamespace = (name: string) => Namespace | undefined;

type Reply = (answer: { ok: true } | { error: string }) => void;

/** What both a namespace and `namespace.in(rooms)` offer. */
interface Selection {
  emit(event: string, ...args: unknown[]): boolean;
  socketsJoin(room: string | readonly string[]): void;
  socketsLeave(room: string | readonly string[]): void;
  disconnectSockets(close?: boolean): void;
}
type Action = (target: Namespace, args: unknown[]) => string | undefined;

const ACTIONS: Readonly<Record<string, Action>> = {
  emit(target, [filter, event, ...args]) {
    if (!isFilter(filter)) return "the filter must be a room name, a list of them, or empty";
    if (typeof event !== "string" || RESERVED_EVENTS.has(event)) {
      return "the event must be a name that is not reserved";
    }
    select(target, filter).emit(event, ...args);
  },
  join(target, [room, filter]) {
    if (!isRooms(room)) return "the room must be a room name or a list of them";
    if (!isFilter(filter)) return "the filter must be a room name, a list of them, or empty";
    select(target, filter).socketsJoin(room);
  },
  leave(target, [room, filter]) {
    if (!isRooms(room)) return "the room must be a room name or a list of them";
    if (!isFilter(filter)) return "the filter must be a room name, a list of them, or empty";
    select(target, filter).socketsLeave(room);
  },
  _disconnect(target, [close, filter]) {
    if (!isFilter(filter)) return "the filter must be a room name, a list of them, or empty";
    select(target, filter).disconnectSockets(close === true);
  },
};

/** Serves the UI's actions on an admin socket (or, `readonly`, refuses them). */
export function serveActions(
  socket: AnyServerSocket,
  findNamespace: FindNamespace,
  readonly: boolean,
): void {
  for (const name of ACTION_EVENTS) {
    socket.on(name, (...args: unknown[]) => {
      const reply = takeReply(args);
      if (readonly) {
        log.info("admin action refused: read-only", { action: name, sid: socket.id });
        return reply?.({ error: "read-only: actions are not allowed" });
      }
      const [nspName, ...rest] = args;
      const target = typeof nspName === "string" ? findNamespace(nspName) : undefined;
      const error = target === undefined
        ? "no such namespace on this server"
        : run(ACTIONS[name], target, rest);
      if (error !== undefined) {
        log.info("admin action ignored", { action: name, nsp: nspName, error, sid: socket.id });
        return reply?.({ error });
      }
      log.info("admin action", { action: name, nsp: nspName, args: rest, sid: socket.id });
      reply?.({ ok: true });
    });
  }
}

function run(action: Action, target: Namespace, args: unknown[]): string | undefined {
  try {
    return action(target, args);
  } catch (error) {
    return error instanceof Error ? error.message : "the action failed";
  }
}

/** Removes and returns the acknowledgement callback, when the UI asked for one. */
function takeReply(args: unknown[]): Reply | undefined {
  const last = args[args.length - 1];
  if (typeof last !== "function") return undefined;
  args.pop();
  return last as Reply;
}

/** The namespace's sockets, or those in the filter's rooms (an empty filter selects all). */
function select(target: Namespace, filter: string | string[] | undefined | null): Selection {
  const rooms = typeof filter === "string" ? (filter === "" ? [] : [filter]) : filter ?? [];
  return (rooms.length === 0 ? target : target.in(rooms)) as Selection;
}

function isRooms(value: unknown): value is string | string[] {
  if (typeof value === "string") return value !== "";
  return Array.isArray(value) && value.length > 0 &&
    value.every((room) => typeof room === "string" && room !== "");
}

function isFilter(value: unknown): value is string | string[] | undefined | null {
  return value === undefined || value === null || typeof value === "string" ||
    (Array.isArray(value) && value.every((room) => typeof room === "string"));
}
