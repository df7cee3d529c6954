/**
 * The contract between an Engine.IO endpoint and a session relay (the `cluster` option): the
 * relay lets any node of a cluster take any request of any session, so no sticky balancing
 * is needed. The endpoint asks it for session ids that name their node, and hands it the
 * requests of sessions another node owns; the relay runs the requests other nodes forward
 * here through the endpoint itself.
 * @module
 */
import type { WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";

/** Header name/value pairs, in order. */
export type HeaderList = [name: string, value: string][];

/** What became of a request forwarded to the node that owns its session. */
export type RelayAnswer =
  /** The owner's response, to send as it is (CORS headers are this node's). */
  | { readonly kind: "response"; status: number; headers: HeaderList; body: Uint8Array }
  /** The owner did not answer: its node is gone (or never existed). */
  | { readonly kind: "gone" }
  /** The client went away first. */
  | { readonly kind: "aborted" }
  /**
   * The owner accepted a WebSocket upgrade: upgrade here with `handlers` (which carry the
   * frames to the owner), or call `failed` when the runtime cannot.
   */
  | { readonly kind: "upgrade"; handlers: WsHandlers; failed(): void };

/** What an endpoint offers the relay it is bound to. */
export interface RelayHost {
  /** The endpoint's path (the relay serves each endpoint bound to it by path). */
  readonly path: string;
  /**
   * Runs a request another node forwarded through this endpoint, as if it had arrived here,
   * with `runtime` standing for the forwarding node's connection.
   */
  serve(request: Request, runtime: RuntimeBinding): Promise<Response>;
  /**
   * Longest a forwarded request may wait for its answer (a parked poll is answered within
   * `pingInterval` at most): past it, the owner is taken for gone.
   */
  readonly answerWithinMs: number;
  /** Largest request body (`maxHttpBufferSize`): a larger one is not carried to the owner. */
  readonly maxBodyBytes: number;
}

/** A relay as one endpoint uses it, once bound. */
export interface BoundRelay {
  /** A new session id that names this node. */
  newSessionId(): string;
  /**
   * Forwards a request of a session another node owns to that node and resolves with its
   * answer; undefined when the request is for this node (no `sid`, or a `sid` of this node).
   */
  forward(request: Request, runtime: RuntimeBinding): Promise<RelayAnswer> | undefined;
}

/**
 * Lets any node of a cluster serve any request of any session (`createServer({ cluster })`):
 * made by `createSessionRelay` in `@sio/gateway/redis`.
 */
export interface SessionRelay {
  /** This node's id, the prefix of the session ids it opens. */
  readonly nodeId: string;
  /** Resolves once this node listens to the others (sessions opened before may be missed). */
  ready(): Promise<void>;
  /** Binds an endpoint: called once by each endpoint the relay serves. */
  bind(host: RelayHost): BoundRelay;
  /** Stops listening to other nodes (the Redis connections stay the application's). */
  close(): Promise<void>;
}
