/**
 * Token auth on both sides of one Hono app: `hono/bearer-auth` protects the HTTP API, and the
 * gateway's `connect(socket, auth)` checks the same tokens for Socket.IO.
 *
 *   deno run -A examples/auth/main.ts        # PORT=8080 to change the port
 *
 *   curl -X POST http://127.0.0.1:3000/api/login -H 'content-type: application/json' \
 *     -d '{"name":"ada"}'                    # → {"token":"…"}
 *   curl http://127.0.0.1:3000/api/me -H "Authorization: Bearer $TOKEN"   # → {"name":"ada",…}
 *
 * And from socket.io-client:
 *   const socket = io("http://127.0.0.1:3000", { auth: { token } });
 *   socket.on("connect_error", (error) => console.log(error.message)); // "unauthorized"
 *   console.log(await socket.emitWithAck("whoami")); // { name: "ada", since: … }
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { createServer } from "../../mod.ts";
import { gateway } from "./gateway.ts";
import { login, type User, userForToken } from "./users.ts";

/** The Hono environment: the bearer middleware puts the token's user in `c.var.user`. */
type Env = { Variables: { user: User } };

const io = createServer({ gateways: [gateway] });
const app = new Hono<Env>();

app.post("/api/login", async (c) => {
  const body = await c.req.json().catch(() => ({}));
  const name = typeof body?.name === "string" ? body.name.trim() : "";
  if (name === "") return c.json({ error: 'send {"name": "…"}' }, 400);
  return c.json({ token: login(name) });
});

app.use(
  "/api/me",
  bearerAuth<Env>({
    verifyToken(token, c) {
      const user = userForToken(token);
      if (user) c.set("user", user);
      return user !== undefined;
    },
  }),
);
app.get("/api/me", (c) => c.json(c.var.user));

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
