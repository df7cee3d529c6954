/**
 * A chat in the browser: one Hono app serves the page, its script, the socket.io client
 * bundle and the Socket.IO endpoint.
 *
 *   deno run -A examples/chat/main.ts   # PORT=8080 to change the port (0: any free port)
 *
 * Open http://127.0.0.1:3000 in two windows, pick nicknames, and chat.
 */
import { Hono } from "hono";
import { createServer } from "../../mod.ts";
import { chat } from "./gateway.ts";

const io = createServer({ gateways: [chat] });
const app = new Hono();

/**
 * The browser build of socket.io-client, from the project's node_modules/ (which Deno fills
 * on the first run, since deno.json has "nodeModulesDir": "auto"; or run `deno install`).
 */
const clientBundle = new URL(
  "../../node_modules/socket.io-client/dist/socket.io.min.js",
  import.meta.url,
);
try {
  await Deno.stat(clientBundle);
} catch {
  console.error(`missing ${clientBundle.pathname}: run \`deno install\` in the project root`);
  Deno.exit(1);
}

/** Answers with a file, read on each request so that edits show on reload. */
async function file(url: URL, type: string): Promise<Response> {
  return new Response(await Deno.readFile(url), { headers: { "content-type": type } });
}

const asset = (name: string) => new URL(`./public/${name}`, import.meta.url);

app.get("/", () => file(asset("index.html"), "text/html; charset=utf-8"));
app.get("/app.js", () => file(asset("app.js"), "text/javascript; charset=utf-8"));
app.get("/style.css", () => file(asset("style.css"), "text/css; charset=utf-8"));
app.get("/socket.io.min.js", () => file(clientBundle, "text/javascript; charset=utf-8"));
app.all("/socket.io/*", (c) => io.fetch(c.req.raw, c.env));

const port = Number(Deno.env.get("PORT") ?? 3000);
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, app.fetch);

// SIGTERM (a deploy, `docker stop`): running handlers finish and acknowledge, then exit 0
Deno.addSignalListener("SIGTERM", async () => {
  await io.drain({ deadline: 10_000 });
  Deno.exit(0);
});
