/** Engine.IO handshake error codes, as the reference server sends them. */
export const EngineErrorCode = {
  TRANSPORT_UNKNOWN: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

/** One of the Engine.IO handshake error codes. */
export type EngineErrorCode = typeof EngineErrorCode[keyof typeof EngineErrorCode];

/** The message of each Engine.IO error code, as the reference words it. */
export const ENGINE_ERROR_MESSAGES: Readonly<Record<EngineErrorCode, string>> = {
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
};

/** An HTTP refusal: status plus the `{code, message}` JSON body. */
export interface EngineRefusal {
  /**
   * HTTP status (400, 403, 413; 429 when one address has too many sessions or handshakes,
   * 503 when the server is full or shutting down).
   */
  readonly status: 400 | 403 | 413 | 429 | 503;
  /** Engine.IO error code. */
  readonly code: EngineErrorCode;
  /** Message for the body. */
  readonly message: string;
  /** Why, for the log (never sent). */
  readonly detail?: string;
  /** Seconds after which a retry may succeed (the `Retry-After` header), when known. */
  readonly retryAfter?: number;
}

/** Builds the refusal for an error code, with the reference's status and message. */
export function refusal(code: EngineErrorCode, detail?: string, message?: string): EngineRefusal {
  return {
    status: code === EngineErrorCode.FORBIDDEN ? 403 : 400,
    code,
    message: message ?? ENGINE_ERROR_MESSAGES[code],
    detail,
  };
}

/** The refusal for a POST body larger than maxHttpBufferSize. */
export function payloadTooLarge(): EngineRefusal {
  return { status: 413, code: EngineErrorCode.BAD_REQUEST, message: "Payload too large" };
}

/**
 * The refusal of a handshake while `maxConnections` sessions are open: HTTP 503. The reference
 * has no code for it; 4 is its code for a handshake the server declines (as `allowRequest`
 * does, the reference's way to cap connections), and the message tells the two apart.
 */
export function serverFull(detail?: string): EngineRefusal {
  return { status: 503, code: EngineErrorCode.FORBIDDEN, message: "Server full", detail };
}

/**
 * The refusal of a handshake from an address over one of its limits (`maxConnectionsPerAddress`,
 * `handshakesPerSecondPerAddress`): HTTP 429, code 4 as for "Server full" (the server declines
 * the handshake); the message says which limit.
 */
export function tooManyRequests(
  message: "Too many connections" | "Too many handshakes",
  detail: string,
  retryAfter: number,
): EngineRefusal {
  return { status: 429, code: EngineErrorCode.FORBIDDEN, message, detail, retryAfter };
}

/**
 * The refusal of a handshake while the server drains or after it closed (`drain()`, `close()`):
 * HTTP 503, code 4 as for "Server full" (the server declines the handshake), with
 * `Retry-After` so that a load balancer or a client tries again, elsewhere or later.
 */
export function shuttingDown(retryAfter: number): EngineRefusal {
  return {
    status: 503,
    code: EngineErrorCode.FORBIDDEN,
    message: "Server shutting down",
    retryAfter,
  };
}
