/**
 * The ceiling for Bun: a raw WebSocket echo on `Bun.serve({ websocket })`. Every frame comes
 * back to its sender unchanged, except text frames starting with "B", whose rest goes to every
 * other open socket (a plain loop, not Bun's native pub/sub, like a Socket.IO room).
 *
 *   PORT=0 bun bench/servers/raw_ws_bun.ts
 */
interface BunSocket {
  send(data: string | Uint8Array): number;
  readonly readyState: number;
}

declare const Bun: {
  serve(options: Record<string, unknown>): { port: number };
  env: Record<string, string | undefined>;
};

const sockets = new Set<BunSocket>();

const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  idleTimeout: 0,
  fetch(request: Request, bunServer: { upgrade(request: Request): boolean }) {
    if (bunServer.upgrade(request)) return undefined;
    return new Response("raw websocket echo");
  },
  websocket: {
    idleTimeout: 0,
    sendPings: false,
    maxPayloadLength: 1_000_000,
    open(ws: BunSocket) {
      sockets.add(ws);
    },
    close(ws: BunSocket) {
      sockets.delete(ws);
    },
    message(ws: BunSocket, data: string | Uint8Array) {
      if (typeof data === "string" && data.charCodeAt(0) === 0x42) {
        const frame = data.slice(1);
        for (const peer of sockets) if (peer !== ws && peer.readyState === 1) peer.send(frame);
      } else {
        ws.send(data);
      }
    },
  },
});
console.log(`listening on http://127.0.0.1:${server.port}`);
