import type { HandshakeInfo } from "../engine/handshake_info.ts";

/**
 * What a session keeps of its handshake request, as compact as it can be: the headers as one
 * flat string (a string each would cost an object header each), the query inside `url`. The
 * `Headers` and `URLSearchParams` of `HandshakeInfo` are built on first read (most sessions
 * never read them), then kept.
 */
export class HandshakeRequest implements HandshakeInfo {
  /**
   * `\nname:value` for each header, names in lowercase (several values of one name joined by
   * ", "). Neither a name nor a value can hold a line feed, and a name cannot hold a colon.
   */
  readonly #headerText: string;
  #headers: Headers | undefined;
  #query: URLSearchParams | undefined;
  readonly issued: number = Date.now();
  /** The path and query of the request. */
  readonly url: string;

  /** Copies what it needs of `request` now: Deno forbids reading it once its response is out. */
  constructor(
    request: Request,
    url: string,
    readonly remoteAddress: string,
    readonly secure: boolean,
    readonly vars: Readonly<Record<string, unknown>> | undefined,
  ) {
    // one flat string of its own: the concatenation the caller passes keeps both halves (and
    // whatever string each was cut from) alive for as long as the session
    this.url = JSON.parse(JSON.stringify(url));
    const parts: string[] = [];
    request.headers.forEach((value, name) => {
      parts.push("\n", name, ":", value);
    });
    this.#headerText = parts.join(""); // join: one flat string, where `+` would keep the parts
  }

  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      const lines = this.#headerText.split("\n");
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(":");
        headers.append(lines[i].slice(0, colon), lines[i].slice(colon + 1));
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  get query(): URLSearchParams {
    if (this.#query === undefined) {
      const start = this.url.indexOf("?");
      this.#query = new URLSearchParams(start === -1 ? "" : this.url.slice(start));
    }
    return this.#query;
  }

  /** Whether the request had a header (`name` in lowercase), without building `headers`. */
  hasHeader(name: string): boolean {
    return this.#headerText.includes(`\n${name}:`);
  }
}
