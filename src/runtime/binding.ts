import type { WsHandlers } from "../engine/transport.ts";

/** What the HTTP layer needs from the runtime serving the request. */
export interface RuntimeBinding {
  /** Upgrades the request to a WebSocket wired to `handlers`; undefined when it cannot. */
  upgrade(request: Request, handlers: WsHandlers): Response | undefined;
  /** The peer's IP address, or "". */
  remoteAddress(request: Request): string;
  /** Lifts the runtime's idle timeout for a long-poll request. */
  holdOpen(request: Request): void;
  /**
   * Watches for the client leaving before the response to `request` is written: calls `onLeave`
   * then, and returns a function that stops watching. Absent: the request's `signal` tells
   * (on Node, creating that signal costs more than the rest of a poll's request handling).
   */
  watchLeave?(request: Request, onLeave: () => void): () => void;
  /** Fixes up a response before the runtime writes it, where the runtime needs that. */
  finish?(request: Request, response: Response): void;
}

/** Picks the runtime binding for one request from the second argument of `fetch`. */
export type RuntimeResolver = (env: unknown) => RuntimeBinding;
