// The conformance fixture's events that the bench scenarios use, for a socket.io Server.

/** Registers the connection handler on the default namespace. */
export function registerEvents(io) {
  io.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("message-with-ack", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      if (typeof ack === "function") ack(true);
    });
    socket.on("broadcast-room", (room, ...args) => {
      socket.nsp.to(String(room)).emit("broadcast", ...args);
    });
    socket.on("broadcast-all", (...args) => {
      socket.broadcast.emit("broadcast", ...args);
    });
  });
}
