/**
 * A minimal Engine.IO v4 long-polling client (HTTP only, no upgrade) joined to Socket.IO
 * namespace "/": one GET always pending, POSTs one at a time (Engine.IO refuses overlapping
 * POSTs), packets batched with the record separator.
 */
import { readInt } from "./ws_client.ts";

const SEPARATOR = "\x1e";

/** A Socket.IO connection over long-polling. */
export interface PollingConn {
  /** Queues an Engine.IO packet for the next POST. */
  send(packet: string): void;
  /** Sends a CLOSE packet (bounded wait), then stops polling. */
  close(): Promise<void>;
}

/** Opens a polling session, connects to "/", and keeps polling until closed. */
export async function openPolling(
  port: number,
  onAck: (id: number) => void,
  onError: (error: unknown) => void,
): Promise<PollingConn> {
  const base = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`;
  const abort = new AbortController();
  const handshake = await (await fetch(base, { signal: abort.signal })).text();
  if (handshake.charCodeAt(0) !== 48) throw new Error(`bad handshake: ${handshake}`);
  const sid = (JSON.parse(handshake.slice(1)) as { sid: string }).sid;
  const url = `${base}&sid=${encodeURIComponent(sid)}`;
  let closed = false;
  let queue: string[] = [];
  let posting = false;
  const connected = Promise.withResolvers<void>();

  const flush = async () => {
    posting = true;
    while (queue.length > 0 && !closed) {
      const body = queue.join(SEPARATOR);
      queue = [];
      const response = await fetch(url, { method: "POST", body, signal: abort.signal });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`POST ${response.status}`);
    }
    posting = false;
  };
  const send = (packet: string) => {
    queue.push(packet);
    if (!posting) {
      flush().catch((error) => {
        posting = false;
        if (!closed) onError(error);
      });
    }
  };
  const handle = (packet: string) => {
    const type = packet.charCodeAt(0);
    if (type === 52) { // "4" message
      const sioType = packet.charCodeAt(1);
      if (sioType === 51) onAck(readInt(packet, 2));
      else if (sioType === 48) connected.resolve();
      else if (sioType === 52) connected.reject(new Error(`connect error ${packet}`));
    } else if (type === 50) { // "2" ping
      send("3");
    } else if (type === 49 || type === 54) { // close, or noop (an upgrade we never asked for)
      if (type === 49) closed = true;
    }
  };
  const poll = async () => {
    while (!closed) {
      const response = await fetch(url, { signal: abort.signal });
      const body = await response.text();
      if (!response.ok) throw new Error(`GET ${response.status} ${body}`);
      if (body.indexOf(SEPARATOR) < 0) handle(body);
      else for (const packet of body.split(SEPARATOR)) handle(packet);
    }
  };
  poll().catch((error) => {
    connected.reject(error);
    if (!closed) onError(error);
  });
  send("40");
  await connected.promise;
  return {
    send,
    async close() {
      closed = true;
      const bye = fetch(url, { method: "POST", body: "1", signal: AbortSignal.timeout(1000) })
        .then((response) => response.arrayBuffer())
        .catch(() => {});
      await bye;
      abort.abort();
    },
  };
}
