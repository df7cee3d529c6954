/**
 * The side of the node that took a request of a session another node owns: it forwards the
 * request to the owner and waits for the answer (a parked poll waits as long as it would
 * there), and carries the frames of a WebSocket the owner accepted both ways.
 * @module
 */
import type { WsConnection, WsHandlers } from "../engine/transport.ts";
import { readBodyWithin } from "../http/polling.ts";
import type { HeaderList, RelayAnswer, RelayHost } from "../http/relay.ts";
import { isWebSocketRequest } from "../http/websocket.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { bodyText, type ToOwner, type ToTaker } from "./relay_messages.ts";

/** Sends a message to a node; resolves with how many nodes heard it (0: that node is gone). */
export type SendToNode = (
  node: string,
  header: ToOwner,
  body?: string | Uint8Array,
) => Promise<number>;

/** Request headers that describe this hop, not the request: the owner's runtime sets its own. */
const HOP_HEADERS = new Set(["content-length", "transfer-encoding", "keep-alive"]);

/** Forwards requests to their owners; `onMessage` takes the owners' answers. */
export interface RelayTaker {
  /** Forwards `request` to node `owner` and resolves with what became of it. */
  forward(
    request: Request,
    runtime: RuntimeBinding,
    host: RelayHost,
    owner: string,
  ): Promise<RelayAnswer>;
  /** An owner's message for this node. */
  onMessage(header: ToTaker, body: Uint8Array): void;
  /** Ends every forwarded request and bridged WebSocket. */
  close(): void;
}

type Settle = (answer: RelayAnswer) => void;

interface Bridge {
  connection: WsConnection | undefined;
}

/** The taker side of node `nodeId`. */
export function createRelayTaker(nodeId: string, send: SendToNode): RelayTaker {
  let nextRequest = 0;
  const waiting = new Map<number, Settle>();
  const bridges = new Map<number, Bridge>();

  const tell = (owner: string, header: ToOwner, body?: string | Uint8Array) =>
    send(owner, header, body).catch(() => 0);

  const bridge = (owner: string, i: number): RelayAnswer => {
    const state: Bridge = { connection: undefined };
    bridges.set(i, state);
    const handlers: WsHandlers = {
      onOpen(connection) {
        state.connection = connection;
        void tell(owner, { t: "o", i, f: nodeId }).then((heard) => {
          if (heard === 0) connection.close();
        });
      },
      onMessage(data) {
        const frame: ToOwner = typeof data === "string"
          ? { t: "m", i, f: nodeId }
          : { t: "m", i, f: nodeId, b: 1 };
        void tell(owner, frame, data).then((heard) => {
          // the owner is gone: so is the session, whose client may as well know now
          if (heard === 0) state.connection?.close();
        });
      },
      onClose() {
        if (!bridges.delete(i)) return;
        void tell(owner, { t: "c", i, f: nodeId });
      },
      onDrain() {},
    };
    const failed = () => handlers.onClose(1006, "");
    return { kind: "upgrade", handlers, failed };
  };

  return {
    async forward(request, runtime, host, owner) {
      const i = ++nextRequest;
      const headers: HeaderList = [];
      request.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name)) headers.push([name, value]);
      });
      let body: Uint8Array | undefined;
      if (request.method === "POST") {
        body = await readBodyWithin(request, host.maxBodyBytes, true) as Uint8Array | undefined;
        // too large: the owner refuses it (and ends the session) from this length alone
        if (body === undefined) headers.push(["content-length", String(host.maxBodyBytes + 1)]);
      } else if (!isWebSocketRequest(request)) runtime.holdOpen(request);

      let settle: Settle = () => {};
      const answer = new Promise<RelayAnswer>((resolve) => settle = resolve);
      const finish = (outcome: RelayAnswer) => {
        if (!waiting.delete(i)) return;
        clearTimeout(timer);
        request.signal.removeEventListener("abort", onAbort);
        settle(outcome);
      };
      const onAbort = () => {
        if (!waiting.has(i)) return;
        void tell(owner, { t: "x", i, f: nodeId });
        finish({ kind: "aborted" });
      };
      waiting.set(i, finish);
      const timer = setTimeout(() => {
        void tell(owner, { t: "x", i, f: nodeId });
        finish({ kind: "gone" });
      }, host.answerWithinMs);
      request.signal.addEventListener("abort", onAbort, { once: true });
      // gone before it was forwarded: parked on the owner, its poll would swallow packets
      if (request.signal.aborted) {
        finish({ kind: "aborted" });
        return await answer;
      }

      const address = runtime.remoteAddress(request);
      const heard = await tell(
        owner,
        { t: "q", i, f: nodeId, m: request.method, u: request.url, h: headers, a: address },
        body,
      );
      if (heard === 0) finish({ kind: "gone" });
      const outcome = await answer;
      return outcome.kind === "upgrade" ? bridge(owner, i) : outcome;
    },

    onMessage(header, body) {
      switch (header.t) {
        case "r": {
          const settle = waiting.get(header.i);
          if (!settle) return;
          if (header.u === 1) {
            // the bridge is built by `forward`, which knows the owner
            settle({ kind: "upgrade", handlers: NO_HANDLERS, failed() {} });
            return;
          }
          settle({ kind: "response", status: header.s, headers: header.h, body: body.slice() });
          return;
        }
        case "w": {
          const connection = bridges.get(header.i)?.connection;
          if (!connection) return;
          connection.send(header.b === 1 ? body.slice() : bodyText(body), header.z === 1);
          return;
        }
        case "k": {
          const state = bridges.get(header.i);
          if (!state) return;
          bridges.delete(header.i);
          state.connection?.close(header.k);
          return;
        }
      }
    },

    close() {
      for (const settle of [...waiting.values()]) settle({ kind: "gone" });
      for (const state of bridges.values()) state.connection?.close();
      bridges.clear();
    },
  };
}

const NO_HANDLERS: WsHandlers = {
  onOpen() {},
  onMessage() {},
  onClose() {},
  onDrain() {},
};
