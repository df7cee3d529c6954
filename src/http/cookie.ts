import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { CookieOptions, HttpOptions } from "./types.ts";

type ResolvedCookie =
  & Required<Pick<CookieOptions, "name" | "path" | "httpOnly" | "sameSite">>
  & CookieOptions;

/**
 * Resolves the `cookie` option into a function that sets the session cookie on a handshake
 * response, or undefined when no cookie is wanted.
 */
export function sessionCookieSetter(
  option: HttpOptions["cookie"],
): ((c: Context, sid: string) => void) | undefined {
  const cookie = resolveCookie(option);
  if (!cookie) return undefined;
  return (c, sid) => setCookie(c, cookie.name, sid, cookie);
}

function resolveCookie(option: HttpOptions["cookie"]): ResolvedCookie | undefined {
  if (!option) return undefined;
  const given = option === true ? {} : option;
  return { name: "io", path: "/", httpOnly: true, sameSite: "Lax", ...given };
}
