/**
 * Regression tests named after known vulnerabilities of the Node Socket.IO stack (engine.io,
 * socket.io-parser, ws), each replaying the attack against the conformance fixture in a child
 * process (a crash there could not hide behind the test runner) and proving it harmless: the
 * attacker gets the protocol's refusal, the process is alive, its memory stays bounded, and
 * bystanders connected BEFORE the attack (one over WebSocket, one over long-polling) are still
 * connected and still get their acknowledgements after it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "../_helpers/raw_client.ts";
import { sleep } from "../_helpers/wait.ts";
import { type ChildServer, spawnChild, stats } from "./_child.ts";
import { assertAlive, type Bystanders, connectBystanders } from "./_bystander.ts";
import { pollingSession, sessionQuery, streamPost } from "./_attacks.ts";
import {
  headEnd,
  rawSocketIoWs,
  RawTcp,
  RawWs,
  statusOf,
  upgradeRequest,
  wsFrame,
} from "./_raw_tcp.ts";

const MAX_PAYLOAD = 1_000_000;
const MB = 1 << 20;
const T = { timeout: 30_000 };

describe("known vulnerabilities of the Node stack are harmless here", () => {
  let child: ChildServer;
  let bystanders: Bystanders;

  before(async () => {
    child = await spawnChild({
      env: { PING_INTERVAL: "3000", PING_TIMEOUT: "3000", MAX_PAYLOAD: String(MAX_PAYLOAD) },
    });
    bystanders = await connectBystanders(child.url);
  });

  after(async () => {
    bystanders?.close();
    await child?.stop();
  });

  /** The server survived `what`, and the bystanders still get acks. */
  async function survived(what: string): Promise<void> {
    await assertAlive(child, what);
    await bystanders.check(what);
  }

  describe("CVE-2020-36048 (engine.io: huge payloads exhaust memory)", () => {
    it("answers a POST declaring 100 MB with 413 without reading it", T, async () => {
      for (const path of ["/engine.io/", "/socket.io/"]) {
        const sid = await pollingSession(child.url, path);
        const post = await streamPost(child.port, sessionQuery(path, sid), {
          chunked: false,
          declared: 100 * MB,
          maxBytes: 4 * MB,
        });
        assert.equal(post.status, 413, post.response);
        assert.match(post.response, /Payload too large/);
        // the session that sent it is gone
        const next = await request(`${child.url}${sessionQuery(path, sid)}`);
        assert.equal(next.status, 400);
      }
      await survived("a POST declaring 100 MB");
    });

    it("refuses an endless chunked POST at maxHttpBufferSize, memory bounded", T, async () => {
      const before = child.rss();
      const sid = await pollingSession(child.url, "/socket.io/");
      const post = await streamPost(child.port, sessionQuery("/socket.io/", sid), {
        maxBytes: 32 * MB,
        maxMs: 5000,
      });
      assert.equal(post.status, 413, post.response);
      const after = child.rss();
      if (before !== undefined && after !== undefined) {
        // 32 MB offered; a server buffering it would grow by that much
        assert.ok(after - before < 24 * MB, `RSS grew by ${((after - before) / MB).toFixed(1)} MB`);
      }
      await survived("an endless chunked POST");
    });

    it("closes a WebSocket announcing a 1 GiB frame (1009 or dropped)", T, async () => {
      const before = child.rss();
      const ws = await rawSocketIoWs(child.port);
      await ws.tcp.write(wsFrame(1, new Uint8Array(0), { announce: 2 ** 30 }));
      const piece = new Uint8Array(MB).fill(0x61);
      for (let i = 0; i < 16 && !ws.tcp.ended; i++) {
        if (!(await ws.tcp.write(piece))) break;
      }
      const outcome = await ws.closeOutcome(5000);
      ws.reset();
      assert.ok(outcome === 1009 || outcome === "ended", `outcome: ${outcome}`);
      const after = child.rss();
      if (before !== undefined && after !== undefined) {
        assert.ok(after - before < 48 * MB, `RSS grew by ${((after - before) / MB).toFixed(1)} MB`);
      }
      await survived("a frame announcing 1 GiB");
    });

    it("closes a WebSocket sending a 2 MB message with 1009", T, async () => {
      const ws = await rawSocketIoWs(child.port);
      await ws.tcp.write(wsFrame(1, '42["message",' + JSON.stringify("a".repeat(2 * MB)) + "]"));
      assert.equal(await ws.closeOutcome(5000), 1009);
      ws.reset();
      // one byte over the limit is refused too; exactly at the limit it is not
      const over = await rawSocketIoWs(child.port);
      await over.sendBinary(new Uint8Array(MAX_PAYLOAD + 1));
      assert.equal(await over.closeOutcome(5000), 1009);
      over.reset();
      await survived("a 2 MB WebSocket message");
    });

    it("closes a WebSocket whose fragmented message exceeds the limit with 1009", T, async () => {
      const ws = await rawSocketIoWs(child.port);
      await ws.tcp.write(wsFrame(1, '42["message","', { fin: false }));
      const piece = "a".repeat(64 * 1024);
      for (let i = 0; i < 63 && !ws.tcp.ended; i++) {
        if (!(await ws.tcp.write(wsFrame(0, piece, { fin: false })))) break;
      }
      await ws.tcp.write(wsFrame(0, '"]'));
      assert.equal(await ws.closeOutcome(5000), 1009);
      ws.reset();
      await survived("a 4 MB fragmented message");
    });
  });

  describe("CVE-2022-41940 (engine.io: crash on a malformed packet)", () => {
    const bodies: [string, BodyInit, string][] = [
      ["binary bytes", new Uint8Array([0xff, 0x00, 0xfe, 0x04, 0x80]), "application/octet-stream"],
      ['"b" with invalid base64', "b!!!not*base64", "text/plain;charset=UTF-8"],
      ["type char out of range", "9hello", "text/plain;charset=UTF-8"],
      ["a control character type", "\x00", "text/plain;charset=UTF-8"],
      ["an empty body", "", "text/plain;charset=UTF-8"],
      ["empty payload segments", "\x1e\x1e", "text/plain;charset=UTF-8"],
      ["a good packet then garbage", "4ok\x1eZ", "text/plain;charset=UTF-8"],
    ];
    for (const [name, body, type] of bodies) {
      it(`refuses ${name} on a polling session with 400`, T, async () => {
        for (const path of ["/engine.io/", "/socket.io/"]) {
          const sid = await pollingSession(child.url, path);
          const reply = await request(`${child.url}${sessionQuery(path, sid)}`, {
            method: "POST",
            body,
            headers: { "Content-Type": type },
          });
          assert.equal(reply.status, 400, `${path}: ${reply.body}`);
          const next = await request(`${child.url}${sessionQuery(path, sid)}`);
          assert.equal(next.status, 400, "the session was closed");
        }
        await survived(name);
      });
    }

    it("closes a WebSocket session on malformed Engine.IO frames", T, async () => {
      for (const frame of ["9", "", "x4hello", "b!!!", "\u0000", "\ud800"]) {
        for (const path of ["/engine.io/", "/socket.io/"]) {
          const ws = await RawWs.open(child.port, `${path}?EIO=4&transport=websocket`);
          assert.match((await ws.nextText()) ?? "", /^0\{/);
          await ws.sendText(frame);
          const outcome = await ws.closeOutcome(3000);
          ws.reset();
          assert.notEqual(outcome, undefined, `${JSON.stringify(frame)} on ${path}`);
        }
      }
      await survived("malformed Engine.IO frames");
    });
  });

  describe("CVE-2022-2421 (socket.io-parser: attachment placeholder type confusion)", () => {
    const nums = [
      '"0"',
      "{}",
      "[0]",
      "1",
      "5",
      "-1",
      "0.5",
      "1e400",
      "null",
      "true",
      '"__proto__"',
    ];
    it("closes the connection for every bad placeholder num", T, async () => {
      for (const num of nums) {
        const ws = await rawSocketIoWs(child.port);
        await ws.sendText(`451-["message",{"_placeholder":true,"num":${num}}]`);
        await ws.sendBinary(new Uint8Array([1, 2, 3]));
        const outcome = await ws.closeOutcome(3000);
        ws.reset();
        assert.notEqual(outcome, undefined, `num ${num} was accepted`);
      }
      // a placeholder object on its own, or with the attachment count lying
      for (const text of ['451-{"_placeholder":true,"num":0}', '452-["m",{"_placeholder":true}]']) {
        const ws = await rawSocketIoWs(child.port);
        await ws.sendText(text);
        const outcome = await ws.closeOutcome(3000);
        ws.reset();
        assert.notEqual(outcome, undefined, `${text} was accepted`);
      }
      await survived("bad attachment placeholders");
    });

    it("still reconstructs a valid binary event (control)", T, async () => {
      const ws = await rawSocketIoWs(child.port);
      await ws.sendText('451-7["message-with-ack",{"_placeholder":true,"num":0}]');
      await ws.sendBinary(new Uint8Array([9, 8, 7]));
      assert.equal(await ws.nextText(), '461-7[{"_placeholder":true,"num":0}]');
      const frame = await ws.next();
      assert.equal(frame?.opcode, 2);
      assert.deepEqual([...frame!.payload], [9, 8, 7]);
      ws.reset();
    });
  });

  describe("CVE-2023-32695 (socket.io-parser: crash on a malformed packet)", () => {
    const packets = [
      '2["x"',
      "452-",
      "451-",
      "45",
      "4",
      "42",
      "43",
      '431["a"',
      "49",
      "4X",
      '42{"a":1}',
      "42[1]",
      '42["disconnect"]',
      "40{",
      "40[]",
      '41"x"',
      '44["x"]',
      '4299999999999999999["x"]',
      "42" + "[".repeat(10_000),
      '42["x",' + "[".repeat(10_000) + "]".repeat(10_000) + "]",
    ];
    it("closes the connection for every malformed Socket.IO packet", T, async () => {
      for (const packet of packets) {
        const ws = await rawSocketIoWs(child.port);
        await ws.sendText(packet);
        const outcome = await ws.closeOutcome(3000);
        ws.reset();
        assert.notEqual(outcome, undefined, `${packet.slice(0, 40)} was accepted`);
      }
      await survived("malformed Socket.IO packets");
    });

    it("drops a binary frame that arrives when no packet waits for one", T, async () => {
      const ws = await rawSocketIoWs(child.port);
      await ws.sendBinary(new Uint8Array([1, 2, 3]));
      assert.notEqual(await ws.closeOutcome(3000), undefined);
      ws.reset();
      // a text frame while attachments are awaited
      const other = await rawSocketIoWs(child.port);
      await other.sendText('451-["message",{"_placeholder":true,"num":0}]');
      await other.sendText('42["message"]');
      assert.notEqual(await other.closeOutcome(3000), undefined);
      other.reset();
      await survived("misplaced frames");
    });
  });

  describe("CVE-2024-37890 (ws: crash on an upgrade request with many headers)", () => {
    it("answers upgrade requests with thousands of headers without dying", T, async () => {
      const path = "/socket.io/?EIO=4&transport=websocket";
      const variants: [string, string][] = [
        ["3000 headers", headers(3000, (i) => `X-Filler-${i}: v`)],
        ["3000 headers, no protocol", headers(3000, (i) => `X-${i}: ${i}`)],
        [
          "3000 Sec-WebSocket-Protocol headers",
          headers(3000, (i) => `Sec-WebSocket-Protocol: p${i}`),
        ],
        ["a 200 KB header", `X-Big: ${"v".repeat(200_000)}\r\n`],
      ];
      for (const [name, extra] of variants) {
        const tcp = await RawTcp.open(child.port);
        await tcp.write(upgradeRequest(child.port, path, extra));
        await tcp.until((bytes) => headEnd(bytes) >= 0, 3000);
        const status = statusOf(tcp.peek());
        tcp.reset();
        // refused (400, 431…) or the connection dropped; an upgrade (101) is acceptable too
        assert.ok(status === undefined || status >= 101, `${name}: ${status}`);
        await assertAlive(child, name);
      }
      await survived("upgrade requests with thousands of headers");
    });
  });

  describe("CVE-2024-38355 (ws: unhandled error on an abrupt reset or garbage)", () => {
    const attacks: [string, (ws: RawWs) => Promise<unknown>][] = [
      [
        "half a frame, then a reset",
        (ws) => ws.tcp.write(wsFrame(1, '42["message","hello"]').subarray(0, 9)),
      ],
      ["half a frame header, then a reset", (ws) => ws.tcp.write(new Uint8Array([0x81]))],
      ["random garbage", (ws) => ws.tcp.write(garbage(4096))],
      ["an unmasked client frame", (ws) => ws.tcp.write(wsFrame(1, "4x", { mask: false }))],
      ["reserved bits set", (ws) => ws.tcp.write(wsFrame(1, "4x", { rsv: 7 }))],
      ["an unknown opcode", (ws) => ws.tcp.write(wsFrame(3, "4x"))],
      ["a continuation with nothing to continue", (ws) => ws.tcp.write(wsFrame(0, "4x"))],
      [
        "a 200-byte ping (control frames max 125)",
        (ws) => ws.tcp.write(wsFrame(9, "p".repeat(200))),
      ],
      ["a fragmented ping", (ws) => ws.tcp.write(wsFrame(9, "p", { fin: false }))],
      [
        "a close frame with an invalid code",
        (ws) => ws.tcp.write(wsFrame(8, new Uint8Array([0x03, 0xe7]))),
      ],
      [
        "invalid UTF-8 in a text frame",
        (ws) => ws.tcp.write(wsFrame(1, new Uint8Array([0x34, 0xc3, 0x28]))),
      ],
    ];
    for (const [name, attack] of attacks) {
      it(`survives ${name}`, T, async () => {
        const ws = await rawSocketIoWs(child.port);
        await attack(ws);
        await sleep(20);
        ws.reset();
        await survived(name);
      });
    }

    it("survives a reset in the middle of the upgrade request", T, async () => {
      for (let cut = 10; cut < 160; cut += 30) {
        const tcp = await RawTcp.open(child.port);
        await tcp.write(
          upgradeRequest(child.port, "/socket.io/?EIO=4&transport=websocket").slice(0, cut),
        );
        tcp.reset();
      }
      await survived("resets during the upgrade request");
    });

    it("leaks no session: only the bystanders are left", T, async () => {
      const deadline = Date.now() + 10_000;
      let now = await stats(child.url);
      while ((now.clients !== 2 || now.sockets !== 2) && Date.now() < deadline) {
        await sleep(100);
        now = await stats(child.url);
      }
      assert.deepEqual(now, { clients: 2, sockets: 2 });
      await survived("the whole series");
    });
  });
});

function headers(count: number, line: (i: number) => string): string {
  let text = "";
  for (let i = 0; i < count; i++) text += line(i) + "\r\n";
  return text;
}

function garbage(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let seed = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  return bytes;
}
