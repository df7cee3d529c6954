/**
 * The Socket.IO side of the auth example: `connect(socket, auth)` admits only clients whose
 * handshake carries a valid token. Browsers cannot set headers on a WebSocket, so the token
 * travels in the `auth` payload: `io(url, { auth: { token } })`. A refusal reaches the client
 * as a `connect_error` whose `message` and `data` are the thrown error's.
 */
import { defineGateway, type Gateway } from "../../mod.ts";
import { type User, userForToken } from "./users.ts";

/** Events the client sends; the return type is the acknowledgement. */
export type ClientEvents = {
  whoami: () => User;
};

/** Events the server sends. */
export type ServerEvents = {
  welcome: (text: string) => void;
};

/** What the server keeps on each admitted socket. */
export type SocketData = { user: User };

/** The gateway, for `createServer({ gateways: [gateway] })`. */
export const gateway: Gateway = defineGateway<ClientEvents, ServerEvents, SocketData>({
  connect(socket, auth) {
    const user = userForToken(auth.token);
    if (!user) {
      throw Object.assign(new Error("unauthorized"), {
        data: { hint: "log in with POST /api/login, then connect with auth: { token }" },
      });
    }
    socket.data.user = user;
    socket.emit("welcome", `hello ${user.name}`);
  },
  events: {
    whoami: (socket) => socket.data.user,
  },
});
