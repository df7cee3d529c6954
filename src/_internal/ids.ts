/** The base64url alphabet: an id's character is one of these, 6 random bits each. */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ID_LENGTH = 20;
/** Random bytes drawn at once, each used for one character only (a connect needs a few ids). */
const POOL_SIZE = 4096;

let pool = new Uint8Array(0);
let next = 0;

/** A random, URL-safe, 20-character session id (120 bits of entropy). */
export function generateId(): string {
  if (next + ID_LENGTH > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    next = 0;
  }
  let id = "";
  for (const end = next + ID_LENGTH; next < end; next++) id += ALPHABET[pool[next] & 63];
  return id;
}
