/**
 * Hostile requests shared by the hardening tests: long-polling sessions opened by hand, POST
 * bodies streamed over raw TCP until the server answers (or a byte/time budget runs out).
 */
import { request, SEP } from "../_helpers/raw_client.ts";
import { headEnd, RawTcp, statusOf } from "./_raw_tcp.ts";

/** Opens a polling session on `path` (e.g. "/socket.io/"); returns its sid. */
export async function pollingSession(url: string, path: string): Promise<string> {
  const reply = await request(`${url}${path}?EIO=4&transport=polling`);
  if (reply.status !== 200) throw new Error(`handshake: HTTP ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body.split(SEP)[0].slice(1)).sid;
}

/** The query of a polling request of a session. */
export function sessionQuery(path: string, sid: string): string {
  return `${path}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
}

/** What a streamed POST ran into. */
export interface StreamedPost {
  /** The HTTP status the server answered, if it answered. */
  status: number | undefined;
  /** Body bytes written before the answer came (or in all). */
  sent: number;
  /** The response text (head and body) received. */
  response: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/**
 * POSTs an endless body over raw TCP (chunked, or with a lying Content-Length) in 64 KiB
 * pieces until the server answers, the connection ends, `maxBytes` were sent or `maxMs` passed.
 */
export async function streamPost(
  port: number,
  target: string,
  { chunked = true, maxBytes = 32 << 20, maxMs = 5000, declared = 1_000_000_000 } = {},
): Promise<StreamedPost> {
  const tcp = await RawTcp.open(port);
  const framing = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${declared}`;
  await tcp.write(
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Content-Type: text/plain;charset=UTF-8\r\n${framing}\r\n\r\n`,
  );
  const piece = new Uint8Array(65536).fill(0x34); // "4444…": a valid message packet, endless
  const chunkHead = `${piece.byteLength.toString(16)}\r\n`;
  const deadline = Date.now() + maxMs;
  let sent = 0;
  while (sent < maxBytes && Date.now() < deadline && !tcp.ended && headEnd(tcp.peek()) < 0) {
    if (chunked && !(await tcp.write(chunkHead))) break;
    if (!(await tcp.write(piece))) break;
    if (chunked && !(await tcp.write("\r\n"))) break;
    sent += piece.byteLength;
  }
  await tcp.until((bytes) => headEnd(bytes) >= 0, 3000);
  const bytes = tcp.peek();
  const result: StreamedPost = {
    status: statusOf(bytes),
    sent,
    response: new TextDecoder().decode(bytes),
    closed: tcp.ended,
  };
  tcp.reset();
  return result;
}
