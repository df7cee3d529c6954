/**
 * socket.io-client acting as the Admin UI: it connects to the admin namespace the way the
 * page does (`auth` with username/password or sessionId) and records every event the server
 * sends it, for bounded waits.
 */
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import { type ClientSocket, connected, createClient, WAIT_MS } from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

/** One event the UI received. */
export interface Received {
  readonly event: string;
  readonly args: unknown[];
}

/** Picks the events of interest by their arguments. */
export type Match = (args: unknown[]) => boolean;

/** A connected admin UI and what it received. */
export interface AdminUi {
  readonly socket: ClientSocket;
  readonly received: Received[];
  /** The arguments of every `event` received so far. */
  all(event: string): unknown[][];
  /** Waits (bounded) for an `event` whose arguments satisfy `match`, and returns them. */
  next(event: string, match?: Match, ms?: number): Promise<unknown[]>;
  /** Waits `ms` and returns how many `event` (matching) arrived meanwhile. */
  countDuring(event: string, ms: number, match?: Match): Promise<number>;
  /** Sends an action and resolves with the server's acknowledgement. */
  act(action: string, ...args: unknown[]): Promise<unknown>;
}

/** The user name and password the tests use ("secret", hashed with bcrypt cost 4). */
export const USERNAME = "admin";
export const PASSWORD = "secret";

/**
 * Makes a client for the admin namespace at `url` (e.g. `server.url + "/admin"`) that records
 * every event from its creation on, so nothing sent right after CONNECT is missed.
 */
export function adminClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): AdminUi {
  const socket = createClient(url, {
    auth: { username: USERNAME, password: PASSWORD },
    withCredentials: true,
    ...options,
  });
  return recorder(socket);
}

/** Connects an admin UI and waits for its `connect`. */
export async function connectAdmin(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<AdminUi> {
  const ui = adminClient(url, options);
  await connected(ui.socket);
  return ui;
}

function recorder(socket: ClientSocket): AdminUi {
  const received: Received[] = [];
  socket.onAny((event: string, ...args: unknown[]) => received.push({ event, args }));
  const matching = (event: string, match?: Match) => (entry: Received) =>
    entry.event === event && (match === undefined || match(entry.args));
  return {
    socket,
    received,
    all: (event) => received.filter((entry) => entry.event === event).map((entry) => entry.args),
    async next(event, match, ms = WAIT_MS) {
      const test = matching(event, match);
      await waitUntil(() => received.some(test), `the admin UI to receive "${event}"`, ms);
      return received.find(test)!.args;
    },
    async countDuring(event, ms, match) {
      const before = received.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return received.slice(before).filter(matching(event, match)).length;
    },
    act: (action, ...args) => socket.timeout(WAIT_MS).emitWithAck(action, ...args),
  };
}
