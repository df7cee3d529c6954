/**
 * The chat gateway: pick a nickname and a room with `join` (the acknowledgement confirms them
 * and lists who is there), send messages to the room with `message` (the acknowledgement is
 * the delivery receipt), and tell the room you are typing with `typing` (a volatile broadcast:
 * dropped rather than queued when a client is not ready).
 */
import { defineGateway, type Gateway, type GatewaySocket } from "../../mod.ts";

/** A message as the room receives it. */
export interface ChatMessage {
  id: string;
  from: string;
  text: string;
  at: number;
}

/** The acknowledgement of `message`: the server accepted the message and sent it to the room. */
export interface Receipt {
  id: string;
  at: number;
}

/** Events the browser sends; each function's return type is the acknowledgement. */
export type ClientEvents = {
  join: (request: { nickname: string; room: string }) => {
    nickname: string;
    room: string;
    users: string[];
  };
  message: (text: string) => Receipt;
  typing: (typing: boolean) => void;
};

/** Events the server sends. */
export type ServerEvents = {
  message: (message: ChatMessage) => void;
  typing: (state: { nickname: string; typing: boolean }) => void;
  presence: (change: { kind: "joined" | "left"; nickname: string; users: string[] }) => void;
};

/** What the server keeps on each socket once it has joined. */
export type SocketData = { nickname?: string; room?: string };

type ChatSocket = GatewaySocket<ServerEvents, SocketData>;

const MAX_NAME = 24;
const MAX_TEXT = 500;

/** The chat gateway, for `createServer({ gateways: [chat] })`. */
export const chat: Gateway = defineGateway<ClientEvents, ServerEvents, SocketData>({
  events: {
    async join(socket, request) {
      const nickname = checkName(request?.nickname, "nickname");
      const room = checkName(request?.room, "room");
      const { room: previous } = socket.data;
      if (previous && previous !== room) await leaveRoom(socket);
      socket.data.nickname = nickname;
      socket.data.room = room;
      await socket.join(room);
      const users = await usersIn(socket, room);
      socket.to(room).emit("presence", { kind: "joined", nickname, users });
      return { nickname, room, users };
    },

    message(socket, text) {
      const { nickname, room } = socket.data;
      if (!nickname || !room) throw new Error("join a room first");
      if (typeof text !== "string" || text.trim() === "") throw new Error("empty message");
      if (text.length > MAX_TEXT) throw new Error(`messages are at most ${MAX_TEXT} characters`);
      const message = { id: crypto.randomUUID(), from: nickname, text, at: Date.now() };
      socket.to(room).emit("message", message);
      return { id: message.id, at: message.at };
    },

    typing(socket, typing) {
      const { nickname, room } = socket.data;
      if (!nickname || !room) return;
      socket.volatile.to(room).emit("typing", { nickname, typing: typing === true });
    },
  },

  async disconnect(socket) {
    // the socket has already left its rooms; tell the room it was in
    const { nickname, room } = socket.data;
    if (!nickname || !room) return;
    socket.to(room).emit("presence", {
      kind: "left",
      nickname,
      users: await usersIn(socket, room),
    });
  },
});

async function leaveRoom(socket: ChatSocket): Promise<void> {
  const { nickname, room } = socket.data;
  if (!nickname || !room) return;
  await socket.leave(room);
  socket.to(room).emit("presence", { kind: "left", nickname, users: await usersIn(socket, room) });
}

/** Nicknames of the sockets in a room, sorted. */
async function usersIn(socket: ChatSocket, room: string): Promise<string[]> {
  const sockets = await socket.nsp.in(room).fetchSockets();
  return sockets
    .map((member) => (member.data as SocketData).nickname)
    .filter((name): name is string => typeof name === "string")
    .sort();
}

function checkName(value: unknown, what: string): string {
  const name = typeof value === "string" ? value.trim() : "";
  if (name === "" || name.length > MAX_NAME) {
    throw new Error(`${what} must be 1 to ${MAX_NAME} characters`);
  }
  return name;
}
