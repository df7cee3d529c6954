/**
 * Serves the Admin UI's built page (`ui/dist` of the npm package `@socket.io/admin-ui`) under
 * a path of your app, read from node_modules with `node:fs` (Deno, Bun and Node alike).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
};

/** Where the installed `@socket.io/admin-ui` keeps the page (`deno install` / `npm i` first). */
export function adminUiRoot(): string {
  const manifest = createRequire(import.meta.url).resolve("@socket.io/admin-ui/package.json");
  return join(dirname(manifest), "ui", "dist");
}

/**
 * Answers GET requests under `basePath` (e.g. "/admin-ui/") with the page's files; undefined
 * for any other request, so the caller can hand it on.
 */
export function adminUiFiles(
  basePath: string,
  root: string = adminUiRoot(),
): (request: Request) => Promise<Response> | undefined {
  return (request) => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET" || !pathname.startsWith(basePath)) return undefined;
    const relative = decoded(pathname.slice(basePath.length));
    if (relative === undefined) return Promise.resolve(notFound());
    const path = normalize(join(root, relative || "index.html"));
    if (!path.startsWith(root + sep)) return Promise.resolve(notFound());
    const type = TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream";
    return readFile(path).then(
      (bytes) => new Response(new Uint8Array(bytes), { headers: { "content-type": type } }),
      () => notFound(),
    );
  };
}

function decoded(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined; // malformed escapes: the 404 below
  }
}

function notFound(): Response {
  return new Response("not found", { status: 404 });
}
