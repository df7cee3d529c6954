/**
 * The side of the node that owns a session: it runs the requests other nodes forward through
 * its own endpoint (a parked poll stays parked here, aborted if the client leaves there), and
 * gives a WebSocket it accepts a connection whose frames travel to the node holding the socket.
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import type { WsConnection, WsHandlers } from "../engine/transport.ts";
import type { HeaderList, RelayHost } from "../http/relay.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { bodyText, type ToOwner, type ToTaker } from "./relay_messages.ts";

const log = getLogger("cluster");

/** Sends a message to the node that took a request; resolves with how many nodes heard it. */
export type SendToTaker = (
  node: string,
  header: ToTaker,
  body?: string | Uint8Array,
) => Promise<number>;

/** Serves forwarded requests; `onMessage` takes the takers' messages. */
export interface RelayOwner {
  /** A taker's message for this node. */
  onMessage(header: ToOwner, body: Uint8Array): void;
  /** Aborts every forwarded request and closes every relayed WebSocket. */
  close(): void;
}

interface RelayedSocket {
  readonly handlers: WsHandlers;
  /** Set until the taker says the socket opened: an upgrade never completed is dropped. */
  openTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The owner side, serving the endpoint `hostOf` finds for a request's path. */
export function createRelayOwner(
  send: SendToTaker,
  hostOf: (pathname: string) => RelayHost | undefined,
): RelayOwner {
  const requests = new Map<string, AbortController>();
  const sockets = new Map<string, RelayedSocket>();
  const tell = (node: string, header: ToTaker, body?: string | Uint8Array) =>
    send(node, header, body).catch(() => 0);

  const connectionTo = (node: string, i: number, key: string): WsConnection => ({
    send(data, compress) {
      const binary = typeof data !== "string";
      const header: ToTaker = { t: "w", i };
      if (binary) header.b = 1;
      if (compress) header.z = 1;
      void tell(node, header, data);
    },
    close(code) {
      if (!sockets.delete(key)) return;
      void tell(node, code === undefined ? { t: "k", i } : { t: "k", i, k: code });
    },
    bufferedAmount: 0,
  });

  const serve = async (message: Extract<ToOwner, { t: "q" }>, body: Uint8Array) => {
    const { f: node, i } = message;
    const key = `${node}#${i}`;
    let url: URL;
    try {
      url = new URL(message.u);
    } catch {
      return;
    }
    const host = hostOf(url.pathname);
    if (!host) {
      await tell(node, { t: "r", i, s: 404, h: [] });
      return;
    }
    const controller = new AbortController();
    requests.set(key, controller);
    let accepted: WsHandlers | undefined;
    const runtime: RuntimeBinding = {
      upgrade(_request, handlers) {
        accepted = handlers;
        return new Response(null);
      },
      remoteAddress: () => message.a,
      holdOpen() {},
    };
    let response: Response;
    try {
      const request = new Request(url, {
        method: message.m,
        headers: message.h,
        body: message.m === "GET" || message.m === "HEAD" ? undefined : body.slice(),
        signal: controller.signal,
      });
      response = await host.serve(request, runtime);
    } catch (error) {
      log.warn("a forwarded request failed", { error });
      response = new Response(null, { status: 400 });
    } finally {
      requests.delete(key);
    }
    if (accepted) {
      const socket: RelayedSocket = {
        handlers: accepted,
        openTimer: setTimeout(() => sockets.delete(key), host.answerWithinMs),
      };
      sockets.set(key, socket);
      await tell(node, { t: "r", i, s: 101, h: [], u: 1 });
      return;
    }
    const headers: HeaderList = [];
    response.headers.forEach((value, name) => headers.push([name, value]));
    const bytes = new Uint8Array(await response.arrayBuffer());
    await tell(node, { t: "r", i, s: response.status, h: headers }, bytes);
  };

  return {
    onMessage(header, body) {
      const key = `${header.f}#${header.i}`;
      switch (header.t) {
        case "q":
          void serve(header, body).catch((error) => {
            log.error("a forwarded request could not be answered", { error });
          });
          return;
        case "x":
          requests.get(key)?.abort();
          return;
        case "o": {
          const socket = sockets.get(key);
          if (!socket || socket.openTimer === undefined) {
            void tell(header.f, { t: "k", i: header.i });
            return;
          }
          clearTimeout(socket.openTimer);
          socket.openTimer = undefined;
          socket.handlers.onOpen(connectionTo(header.f, header.i, key));
          return;
        }
        case "m": {
          const socket = sockets.get(key);
          if (!socket || socket.openTimer !== undefined) return;
          socket.handlers.onMessage(header.b === 1 ? body.slice() : bodyText(body));
          return;
        }
        case "c": {
          const socket = sockets.get(key);
          if (!socket) return;
          sockets.delete(key);
          clearTimeout(socket.openTimer);
          socket.handlers.onClose(1005, "");
          return;
        }
      }
    },

    close() {
      for (const controller of requests.values()) controller.abort();
      requests.clear();
      for (const [key, socket] of [...sockets]) {
        sockets.delete(key);
        clearTimeout(socket.openTimer);
        socket.handlers.onClose(1001, "");
      }
    },
  };
}
