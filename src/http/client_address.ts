/**
 * The client address of a request behind proxies (the `trustProxy` option): the peer's own
 * address, or one read from `X-Forwarded-For` when the proxies that wrote it are trusted.
 * @module
 */
import { getLogger } from "../_internal/log.ts";

/**
 * Which proxies in front of the server are trusted to name the client in `X-Forwarded-For`:
 * - `false` (default): none; the client is the peer of the TCP connection.
 * - `true`: all; the client is the left-most address of `X-Forwarded-For`.
 * - a number n: the n proxies nearest the server; the client is the n-th address from the
 *   right of `X-Forwarded-For` (1: the address the one proxy in front appended).
 * - a list of addresses: those proxies; the client is the nearest address (from the right)
 *   that is not in the list.
 * - a function `(request, remoteAddress) => address`: your choice (a throw, or anything but a
 *   non-empty string, falls back to the peer's address).
 */
export type TrustProxy =
  | boolean
  | number
  | readonly string[]
  | ((request: Request, remoteAddress: string) => string);

const log = getLogger("engine");
/** Entries of `X-Forwarded-For` read at most (the nearest ones). */
const MAX_HOPS = 32;

/** Builds the function naming a request's client address under `trustProxy`. */
export function clientAddressResolver(
  trustProxy: TrustProxy,
): (request: Request, remoteAddress: string) => string {
  if (trustProxy === false || trustProxy === 0) return (_request, remote) => remote;
  if (typeof trustProxy === "function") {
    return (request, remote) => {
      try {
        const address = trustProxy(request, remote);
        if (typeof address === "string" && address !== "") return address;
        log.warn("trustProxy returned no address; using the peer's", { address: remote });
      } catch (error) {
        log.warn("trustProxy threw; using the peer's address", { address: remote, error });
      }
      return remote;
    };
  }
  const trusted = typeof trustProxy === "object" ? new Set(trustProxy.map(normalize)) : undefined;
  const hops = trustProxy === true ? Infinity : typeof trustProxy === "number" ? trustProxy : 0;
  return (request, remote) => {
    // nearest first: the peer, then X-Forwarded-For from right to left
    const chain = [remote, ...forwardedFor(request.headers.get("x-forwarded-for"))];
    if (trusted) {
      let i = 0;
      while (i < chain.length - 1 && trusted.has(normalize(chain[i]))) i++;
      return normalize(chain[i]);
    }
    return normalize(chain[Math.min(hops, chain.length - 1)]);
  };
}

/** The addresses of an `X-Forwarded-For` header, nearest (right-most) first. */
function forwardedFor(header: string | null): string[] {
  if (!header) return [];
  const parts = header.split(",");
  const addresses: string[] = [];
  for (let i = parts.length - 1; i >= 0 && addresses.length < MAX_HOPS; i--) {
    const address = parts[i].trim();
    if (address === "") break; // a malformed list: stop at the gap
    addresses.push(address);
  }
  return addresses;
}

/** An address without brackets, port or the IPv4-mapped IPv6 prefix. */
function normalize(address: string): string {
  let value = address;
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end > 0) value = value.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) {
    value = value.slice(0, value.lastIndexOf(":"));
  }
  value = value.toLowerCase();
  return value.startsWith("::ffff:") && value.includes(".") ? value.slice(7) : value;
}
