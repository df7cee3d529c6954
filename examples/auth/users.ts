/**
 * A demo token store shared by the HTTP routes and the gateway: `login` issues a random token
 * for a name, `userForToken` looks it up. A real application would check a password or an
 * OAuth provider here and sign its tokens (e.g. with `hono/jwt`).
 */

/** Who a token belongs to. */
export interface User {
  name: string;
  since: number;
}

const tokens = new Map<string, User>();

/** Issues a token for `name`. */
export function login(name: string): string {
  const token = crypto.randomUUID();
  tokens.set(token, { name, since: Date.now() });
  return token;
}

/** The user a token belongs to, or undefined for an unknown (or missing) token. */
export function userForToken(token: unknown): User | undefined {
  return typeof token === "string" ? tokens.get(token) : undefined;
}
