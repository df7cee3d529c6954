/**
 * Where the admin namespace remembers the sessions it opened after a correct password, so that
 * a reloaded Admin UI page gets back in with its session id instead of the password.
 * @module
 */

/**
 * A store of admin session ids. Give every server of a cluster one shared store (e.g. over
 * Redis) to let a session opened on one server be accepted by the others.
 */
export interface AdminSessionStore {
  /** Whether `sessionId` was saved and has not expired. */
  doesSessionExist(sessionId: string): boolean | Promise<boolean>;
  /** Remembers a new session id. */
  saveSession(sessionId: string): void | Promise<void>;
}

/** How long a session id stays valid in memory, as the reference's Redis store: one day. */
const SESSION_MS = 24 * 60 * 60 * 1000;
/** At most this many sessions are kept; the oldest goes first. */
const MAX_SESSIONS = 10_000;

/**
 * Session ids in this process's memory, each valid for a day; at most 10000 (the oldest is
 * forgotten first).
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { inMemorySessionStore, instrument } from "@sio/gateway/admin";
 *
 * const io = createServer();
 * instrument(io, { auth: false, store: inMemorySessionStore() });
 * ```
 */
export function inMemorySessionStore(): AdminSessionStore {
  const expiries = new Map<string, number>();
  return {
    doesSessionExist(sessionId) {
      const expiry = expiries.get(sessionId);
      if (expiry === undefined) return false;
      if (expiry > Date.now()) return true;
      expiries.delete(sessionId);
      return false;
    },
    saveSession(sessionId) {
      if (expiries.size >= MAX_SESSIONS) {
        const oldest = expiries.keys().next().value;
        if (oldest !== undefined) expiries.delete(oldest);
      }
      expiries.set(sessionId, Date.now() + SESSION_MS);
    },
  };
}
