/**
 * The ceiling for Deno: a raw WebSocket echo on `Deno.serve` + `Deno.upgradeWebSocket`.
 * Every frame comes back to its sender unchanged, except text frames starting with "B", whose
 * rest goes to every other open socket (the fan-out ceiling).
 *
 *   PORT=0 deno run -A bench/servers/raw_ws_deno.ts
 */
const port = Number(Deno.env.get("PORT") ?? 3000);
const sockets = new Set<WebSocket>();

Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, (request) => {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("raw websocket echo");
  }
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  socket.binaryType = "arraybuffer";
  socket.onopen = () => sockets.add(socket);
  socket.onclose = () => sockets.delete(socket);
  socket.onerror = () => {};
  socket.onmessage = (event: MessageEvent) => {
    const data = event.data;
    if (typeof data === "string" && data.charCodeAt(0) === 0x42) {
      const frame = data.slice(1);
      for (const peer of sockets) {
        if (peer !== socket && peer.readyState === WebSocket.OPEN) peer.send(frame);
      }
    } else if (socket.readyState === WebSocket.OPEN) {
      socket.send(data);
    }
  };
  return response;
});
