import type { HandshakeInfo } from "../engine/handshake_info.ts";

/**
 * What a session keeps of its handshake request, as compact as it can be: the headers as one
 * flat list of names and values, the query inside `url`. The `Headers` and `URLSearchParams`
 * of `HandshakeInfo` are built on first read (most sessions never read them), then kept.
 */
export class HandshakeRequest implements HandshakeInfo {
  /** Lowercase names and values, alternating (several values of one name joined by ", "). */
  readonly #headerList: string[];
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
    const list: string[] = [];
    request.headers.forEach((value, name) => {
      list.push(name, value);
    });
    this.#headerList = list.length === 0 ? list : list.slice(); // slice: no spare capacity kept
  }

  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      const list = this.#headerList;
      for (let i = 0; i < list.length; i += 2) headers.append(list[i], list[i + 1]);
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
    const list = this.#headerList;
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
    return false;
  }
}
