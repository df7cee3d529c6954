/** What a session keeps of the HTTP request that opened it. */
export interface HandshakeInfo {
  /** Request headers. */
  readonly headers: Headers;
  /** Query parameters of the handshake URL. */
  readonly query: URLSearchParams;
  /** Path and query of the handshake request. */
  readonly url: string;
  /** The peer's IP address ("" when the runtime does not tell). */
  readonly remoteAddress: string;
  /** Whether the request came over TLS. */
  readonly secure: boolean;
  /** When the handshake happened, ms since the epoch. */
  readonly issued: number;
  /** Variables Hono middlewares set (`c.set`) before the handshake, when mounted with `attach`. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Whether the request had a header (`name` in lowercase), without building `headers`. */
  hasHeader?(name: string): boolean;
}
