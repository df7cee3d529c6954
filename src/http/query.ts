/**
 * The query parameters of a request URL, read without building a `URLSearchParams`: a session's
 * requests read two parameters (`transport`, `sid`), and parsing the whole query costs more
 * than the rest of their routing.
 * @module
 */

/** The query of a URL (after "?", before "#"), read like `URLSearchParams.get`. */
export class QueryParams {
  readonly #query: string;
  /** Parsed in full only when the query has escapes (`%` or `+`), which the scan leaves. */
  #parsed: URLSearchParams | undefined;

  /** `href` is an absolute or relative URL. */
  constructor(href: string) {
    const start = href.indexOf("?");
    const end = start < 0 ? -1 : href.indexOf("#", start);
    this.#query = start < 0 ? "" : end < 0 ? href.slice(start + 1) : href.slice(start + 1, end);
  }

  /** The first value of `name` ("" when it has no "="), or null; as `URLSearchParams.get`. */
  get(name: string): string | null {
    const query = this.#query;
    if (query.includes("%") || query.includes("+")) {
      this.#parsed ??= new URLSearchParams(query);
      return this.#parsed.get(name);
    }
    let start = 0;
    while (start < query.length) {
      let end = query.indexOf("&", start);
      if (end < 0) end = query.length;
      const equals = query.indexOf("=", start);
      const keyEnd = equals >= 0 && equals < end ? equals : end;
      // an empty segment ("&&") is no parameter, not one named ""
      if (end > start && keyEnd - start === name.length && query.startsWith(name, start)) {
        return keyEnd === end ? "" : query.slice(keyEnd + 1, end);
      }
      start = end + 1;
    }
    return null;
  }
}
