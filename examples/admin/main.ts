/**
 * The Socket.IO Admin UI on a sio-gateway server: `instrument` on the server, and the UI's own
 * page (from the npm package `@socket.io/admin-ui`) served by the same app, so the page and
 * the admin namespace share one origin.
 *
 *   deno run -A examples/admin/main.ts   # PORT=8080 to change the port (0: any free port)
 *
 * Open http://127.0.0.1:3000/admin-ui/ and log in: server URL http://127.0.0.1:3000, user
 * "admin", password "changeit" (set ADMIN_PASSWORD_HASH to a bcrypt hash of your own). Clients
 * of the main namespace can `join` and `leave` rooms and `say` things to a room.
 */
import { defineGateway } from "../../mod.ts";
import { createServer } from "../../mod.ts";
import { instrument } from "../../admin.ts";
import { adminUiFiles } from "./ui_files.ts";

/** The bcrypt hash of "changeit": replace it (ADMIN_PASSWORD_HASH) anywhere but on your desk. */
const CHANGEIT = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";

const rooms = defineGateway({
  events: {
    join: (socket, room: string) => socket.join(String(room)),
    leave: (socket, room: string) => socket.leave(String(room)),
    say(socket, room: string, text: string) {
      socket.to(String(room)).emit("said", { from: socket.id, text: String(text) });
    },
  },
});

const io = createServer({ gateways: [rooms] });
instrument(io, {
  auth: {
    type: "basic",
    username: "admin",
    password: Deno.env.get("ADMIN_PASSWORD_HASH") ?? CHANGEIT,
  },
});

const uiFiles = adminUiFiles("/admin-ui/");
const port = Number(Deno.env.get("PORT") ?? 3000);
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port} (UI: /admin-ui/)`),
}, (request, info) => uiFiles(request) ?? io.fetch(request, info));
