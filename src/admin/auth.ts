/**
 * The admin namespace's connection middleware for basic authentication: a session id the
 * server gave earlier, or the user name and a password matching the bcrypt hash. A new session
 * id is sent to the UI (`session`) after a correct password.
 * @module
 */
import { compare } from "bcryptjs";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import type { ConnectMiddleware } from "../server/namespace_hooks.ts";
import type { BasicAuthentication } from "./options.ts";
import type { AdminSessionStore } from "./session_store.ts";

const log = getLogger("admin");

/** The refusal the UI recognises and shows as "invalid credentials". */
export const INVALID_CREDENTIALS = "invalid credentials";
/** The refusal while too many password checks are running. */
export const TOO_MANY_ATTEMPTS = "too many login attempts, retry later";
/**
 * Password checks allowed at once: each costs the CPU a bcrypt hash (about 100 ms at cost 10),
 * so a flood of CONNECTs with passwords is refused beyond this instead of starving the server.
 */
const MAX_CHECKS_IN_FLIGHT = 4;

/** The middleware that admits the UI with a session id or the right user name and password. */
export function basicAuthMiddleware(
  credentials: BasicAuthentication,
  store: AdminSessionStore,
): ConnectMiddleware {
  let inFlight = 0;
  const checkPassword = async (password: string): Promise<boolean> => {
    inFlight++;
    try {
      return await compare(password, credentials.password);
    } finally {
      inFlight--;
    }
  };
  return async (socket, next) => {
    const { sessionId, username, password } = socket.handshake.auth;
    if (typeof sessionId === "string" && sessionId !== "" && await exists(store, sessionId)) {
      return next();
    }
    if (username !== credentials.username || typeof password !== "string") {
      return next(new Error(INVALID_CREDENTIALS));
    }
    if (inFlight >= MAX_CHECKS_IN_FLIGHT) {
      log.warn("admin login refused: too many password checks at once", { sid: socket.id });
      return next(new Error(TOO_MANY_ATTEMPTS));
    }
    if (!(await checkPassword(password))) {
      log.info("admin login refused: wrong password", { address: socket.handshake.address });
      return next(new Error(INVALID_CREDENTIALS));
    }
    const newSession = generateId();
    try {
      await store.saveSession(newSession);
      // held until the CONNECT reply is out, then the first event the UI receives
      (socket.emit as (event: string, ...args: unknown[]) => boolean)("session", newSession);
    } catch (error) {
      // the password was right: admitted, only a reload will ask for it again
      log.error("the admin session store failed", { error });
    }
    next();
  };
}

async function exists(store: AdminSessionStore, sessionId: string): Promise<boolean> {
  try {
    return await store.doesSessionExist(sessionId);
  } catch (error) {
    log.error("the admin session store failed", { error });
    return false;
  }
}
