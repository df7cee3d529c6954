import { encodeBase64 } from "./base64.ts";

/** A random, URL-safe, 20-character session id (120 bits of entropy). */
export function generateId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  return encodeBase64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}
