/**
 * Draining a server for a deploy: its options, and how a bare Engine.IO server closes its
 * sessions (each once its queued packets are sent; what is left at the deadline at once).
 * @module
 */
import type { Deadline } from "../_internal/deadline.ts";
import type { EngineServer } from "./server.ts";
import type { EngineSocket } from "./engine_socket.ts";

/** Options of `drain()`. */
export interface DrainOptions {
  /**
   * Ms the drain may take: work still running then is abandoned and every connection closes
   * at once. Default 25000 (under the 30 s most orchestrators wait after SIGTERM).
   */
  deadline?: number;
  /** Seconds in the `Retry-After` header of the handshakes refused meanwhile. Default 5. */
  retryAfter?: number;
}

/** The drain options with their defaults applied. */
export interface ResolvedDrainOptions {
  /** Ms the drain may take. */
  readonly deadline: number;
  /** Seconds in `Retry-After`. */
  readonly retryAfter: number;
}

/** Resolves once the session has closed (at once if it has). */
export function whenClosed(session: EngineSocket): Promise<void> {
  if (session.readyState === "closed") return Promise.resolve();
  return new Promise((resolve) => session.on("close", () => resolve()));
}

/**
 * Drains a bare Engine.IO server: new handshakes were refused already; every session closes
 * once what is queued for it was sent, and those still open at the deadline are ended at once.
 */
export async function drainSessions(engine: EngineServer, deadline: Deadline): Promise<void> {
  if (!deadline.passed) {
    const closed = [...engine.sessions()].map((session) => {
      const done = whenClosed(session);
      session.close();
      return done;
    });
    await deadline.within(Promise.all(closed));
  }
  engine.close();
  engine.markClosed();
}
