// A lean Socket.IO v5 client over one raw TCP socket (node:net), for the scale scenario: a
// hand-written WebSocket handshake and framing, bound to a chosen loopback source address, that
// connects to namespace "/", answers every Engine.IO ping "2" with "3" and reports broadcasts.
// It keeps a few fields per connection and no WebSocket object, so that one load-generator
// process holds thousands of sockets in little memory.
import { connect } from "node:net";

// Any 16-byte base64 key will do; the accept value is checked against this one.
const KEY = "c2lvLWdhdGV3YXktc2NhbA==";
const ACCEPT = "3nkLtFoils8Dyv1Cy6bpI9Are3g="; // base64(sha1(KEY + RFC 6455 GUID))

const OP_TEXT = 1;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

/** Milliseconds on the system's monotonic clock (the same clock in every process). */
export function monotonicMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Encodes one client frame (masked, as RFC 6455 requires of clients) of at most 65535 bytes.
 * @param {number} opcode
 * @param {Buffer} payload
 */
function frame(opcode, payload) {
  const length = payload.length;
  const head = length < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(head + 4 + length);
  out[0] = 0x80 | opcode;
  if (length < 126) {
    out[1] = 0x80 | length;
  } else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  }
  const mask = (Math.random() * 0x100000000) >>> 0;
  out.writeUInt32BE(mask, head);
  for (let i = 0; i < length; i++) {
    out[head + 4 + i] = payload[i] ^ ((mask >>> (24 - 8 * (i & 3))) & 0xff);
  }
  return out;
}

/**
 * @typedef {object} LeanHooks
 * @property {() => void} connected  namespace "/" joined (CONNECT reply received)
 * @property {(error: string) => void} failed  the handshake failed (before connected)
 * @property {() => void} ping  an Engine.IO ping arrived (and was answered)
 * @property {(text: string) => void} event  a Socket.IO EVENT arrived (`42[...]`)
 * @property {(why: string) => void} lost  the connection ended after connected, not by us
 */

/**
 * Opens one client: TCP from `localAddress` to 127.0.0.1:`port`, WebSocket upgrade on
 * /socket.io/, Engine.IO OPEN, Socket.IO CONNECT "/".
 * @param {{ port: number, localAddress: string, timeoutMs: number }} options
 * @param {LeanHooks} hooks
 */
export function openLean(options, hooks) {
  const socket = connect({
    host: "127.0.0.1",
    port: options.port,
    localAddress: options.localAddress,
  });
  socket.setNoDelay(true);
  let upgraded = false;
  /** 0 before the Engine.IO OPEN, 1 open, 2 connected (namespace "/"), 3 ended */
  let state = 0;
  /** @type {Buffer | undefined} bytes of an incomplete HTTP head or frame */
  let pending;
  /** @type {Buffer[] | undefined} the fragments of a fragmented message */
  let fragments;
  const timer = setTimeout(
    () => end(`handshake timeout ${options.timeoutMs} ms`),
    options.timeoutMs,
  );

  const sendText = (/** @type {string} */ text) => {
    if (state < 3) socket.write(frame(OP_TEXT, Buffer.from(text)));
  };
  const end = (/** @type {string} */ why, byUs = false) => {
    if (state === 3) return;
    const wasConnected = state === 2;
    state = 3;
    clearTimeout(timer);
    // An RST instead of a FIN: thousands of sockets leave no TIME_WAIT behind.
    socket.resetAndDestroy();
    if (byUs) return;
    if (wasConnected) hooks.lost(why);
    else hooks.failed(why);
  };
  const onMessage = (/** @type {string} */ text) => {
    const type = text.charCodeAt(0);
    if (type === 50) { // "2" ping
      sendText("3");
      hooks.ping();
    } else if (type === 52) { // "4" message
      const sioType = text.charCodeAt(1);
      if (sioType === 50) hooks.event(text);
      else if (sioType === 48 && state === 1) { // "40{...}" CONNECT reply
        state = 2;
        clearTimeout(timer);
        hooks.connected();
      } else if (sioType === 52) end(`connect error ${text.slice(0, 80)}`);
      else if (sioType === 49) end("namespace disconnect");
    } else if (type === 48 && state === 0) { // "0{...}" OPEN
      state = 1;
      sendText("40");
    } else if (type === 49) {
      end("engine.io close packet");
    }
  };
  const onFrame = (
    /** @type {number} */ opcode,
    /** @type {boolean} */ fin,
    /** @type {Buffer} */ payload,
  ) => {
    if (opcode === OP_PING) return void socket.write(frame(OP_PONG, payload));
    if (opcode === OP_PONG) return;
    if (opcode === OP_CLOSE) {
      return end(`close frame ${payload.length >= 2 ? payload.readUInt16BE(0) : ""}`);
    }
    if (opcode !== 0) fragments = undefined;
    if (!fin) return void (fragments ??= []).push(payload);
    const whole = fragments ? Buffer.concat([...fragments, payload]) : payload;
    fragments = undefined;
    onMessage(whole.toString("latin1"));
  };
  const readFrames = (/** @type {Buffer} */ data) => {
    let at = 0;
    while (data.length - at >= 2) {
      const fin = (data[at] & 0x80) !== 0;
      const opcode = data[at] & 0x0f;
      let length = data[at + 1] & 0x7f;
      let head = 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        head = 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (data.length - at < head + length) break;
      onFrame(opcode, fin, data.subarray(at + head, at + head + length));
      if (state === 3) return;
      at += head + length;
    }
    pending = at < data.length ? Buffer.from(data.subarray(at)) : undefined;
  };
  socket.on("connect", () => {
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    );
  });
  socket.on("data", (/** @type {Buffer} */ chunk) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    if (upgraded) return readFrames(data);
    const headEnd = data.indexOf("\r\n\r\n");
    if (headEnd < 0) return void (pending = Buffer.from(data));
    const head = data.subarray(0, headEnd).toString("latin1");
    if (!head.startsWith("HTTP/1.1 101") || !head.includes(ACCEPT)) {
      return end(`upgrade refused: ${head.split("\r\n")[0]}`);
    }
    upgraded = true;
    readFrames(data.subarray(headEnd + 4));
  });
  socket.on(
    "error",
    (error) =>
      end(`socket error ${/** @type {NodeJS.ErrnoException} */ (error).code ?? error.message}`),
  );
  socket.on("close", () => end("tcp closed"));
  return {
    sendText,
    close: () => end("closed by the load generator", true),
  };
}
