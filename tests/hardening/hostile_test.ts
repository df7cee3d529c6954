/**
 * Hostile protocol sessions against an in-process server (so that the handlers' view of the
 * data and Object.prototype can be inspected; an exception escaping the server fails the run):
 * overlapping requests, oversized and endless bodies, slow headers, floods, CONNECT storms,
 * deep JSON, prototype keys, lying attachment counts and resets mid-frame. After each one,
 * bystanders connected before it must still be connected and get their acknowledgements.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ackArgs, createServer, defineGateway, type SocketIoServer } from "../../mod.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { request, SEP } from "../_helpers/raw_client.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { type Bystanders, connectBystanders } from "./_bystander.ts";
import { pollingSession, sessionQuery, streamPost } from "./_attacks.ts";
import { rawSocketIoWs, RawTcp, RawWs, wsFrame } from "./_raw_tcp.ts";

const MAX = 100_000;
const T = { timeout: 30_000 };
const KB = 1024;

/** What the handlers saw. */
const seen = {
  tiny: 0,
  big: 0,
  inspected: [] as unknown[],
  auths: [] as unknown[],
  reasons: [] as string[],
};

/** How a value looks to a handler: own keys, prototype, nested prototypes. */
function anatomy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return typeof value;
  const proto = Object.getPrototypeOf(value);
  const kind = proto === Object.prototype
    ? "object"
    : proto === Array.prototype
    ? "array"
    : proto === null
    ? "null-proto"
    : "other";
  const out: Record<string, unknown> = { kind };
  for (const key of Object.getOwnPropertyNames(value)) {
    if (kind === "array" && key === "length") continue;
    out[key] = anatomy((value as Record<string, unknown>)[key]);
  }
  return out;
}

const events = {
  "message-with-ack"(_socket: unknown, ...args: unknown[]) {
    return ackArgs(...args);
  },
  tiny() {
    seen.tiny++;
  },
  big() {
    seen.big++;
  },
  inspect(_socket: unknown, ...args: unknown[]) {
    seen.inspected.push(args);
    return args.map(anatomy);
  },
};

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
const ARRAY_PROTO_NAMES = Object.getOwnPropertyNames(Array.prototype).sort();

function assertPrototypesClean(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTO_NAMES);
  assert.deepEqual(Object.getOwnPropertyNames(Array.prototype).sort(), ARRAY_PROTO_NAMES);
}

describe("hostile protocol sessions", () => {
  let io: SocketIoServer;
  let close: () => Promise<void>;
  let url: string;
  let port: number;
  let bystanders: Bystanders;
  /** Body bytes the server pulled from each POST, in order. */
  const bodyBytesRead: number[] = [];

  before(async () => {
    io = createServer({
      pingInterval: 2000,
      pingTimeout: 2000,
      maxHttpBufferSize: MAX,
      connectTimeout: 5000,
      gateways: [
        defineGateway({
          namespace: "/",
          connect(_socket, auth) {
            seen.auths.push(anatomy(auth));
          },
          events,
          disconnect(_socket, reason) {
            seen.reasons.push(reason);
          },
        }),
        defineGateway({ namespace: /^\/dyn-\d+$/, events }),
      ],
    });
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: (req, env) => io.fetch(countPostBody(req, bodyBytesRead), env),
      websocket: io.websocket,
      maxPayload: MAX,
    });
    port = running.port;
    url = `http://127.0.0.1:${port}`;
    close = async () => {
      await withTimeout(io.close(), 5000, "io.close()");
      await withTimeout(running.close(), 5000, "the listener to close");
    };
    bystanders = await connectBystanders(url);
  });

  after(async () => {
    bystanders?.close();
    await close?.();
  });

  async function survived(what: string): Promise<void> {
    await bystanders.check(what);
    assertPrototypesClean();
  }

  it(
    "overlapping polls: the second GET is refused, the session closes, both settle",
    T,
    async () => {
      const sid = await pollingSession(url, "/socket.io/");
      const target = `${url}${sessionQuery("/socket.io/", sid)}`;
      const first = request(target);
      await sleep(50);
      const second = await request(target);
      assert.equal(second.status, 400);
      const firstReply = await first;
      assert.ok([200, 400].includes(firstReply.status), `first poll: ${firstReply.status}`);
      assert.equal((await request(target)).status, 400, "the session is gone");
      // many overlapping polls at once on a fresh session
      const sid2 = await pollingSession(url, "/socket.io/");
      const target2 = `${url}${sessionQuery("/socket.io/", sid2)}`;
      const replies = await Promise.all(Array.from({ length: 20 }, () => request(target2)));
      assert.ok(replies.every((reply) => reply.status === 200 || reply.status === 400));
      await survived("overlapping polls");
    },
  );

  it("overlapping POSTs: a POST while another is being read is refused", T, async () => {
    const sid = await pollingSession(url, "/socket.io/");
    const slow = await RawTcp.open(port);
    await slow.write(
      `POST ${sessionQuery("/socket.io/", sid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n4slow`,
    );
    await sleep(50);
    const second = await request(`${url}${sessionQuery("/socket.io/", sid)}`, {
      method: "POST",
      body: "4second",
    });
    assert.equal(second.status, 400);
    slow.reset();
    await survived("overlapping POSTs");
  });

  it("oversized bodies and frames are refused, exactly-at-limit ones are not", T, async () => {
    const before = seen.big;
    // polling: declared too big, and too big with no declaration
    for (const chunked of [false, true]) {
      const sid = await pollingSession(url, "/socket.io/");
      await connectPolling(url, sid);
      const post = await streamPost(port, sessionQuery("/socket.io/", sid), {
        chunked,
        declared: 2 * MAX,
        maxBytes: 4 * MAX,
      });
      assert.equal(post.status, 413, post.response);
    }
    // websocket: one byte over closes with 1009; exactly at the limit is delivered
    const over = await join(port);
    await over.sendText(frameOfSize('42["big","', '"]', MAX + 1));
    assert.equal(await over.closeOutcome(), 1009);
    over.reset();
    const exact = await join(port);
    await exact.sendText(frameOfSize('421["message-with-ack","', '"]', MAX));
    const ack = await exact.nextText();
    assert.ok(ack?.startsWith('431["'), `ack of a message of exactly ${MAX} bytes`);
    exact.reset();
    assert.equal(seen.big, before, "no oversized message reached a handler");
    await survived("oversized bodies and frames");
  });

  it(
    "an endless chunked POST is refused at maxHttpBufferSize, not buffered beyond",
    T,
    async () => {
      for (const chunked of [true, false]) {
        const sid = await pollingSession(url, "/socket.io/");
        bodyBytesRead.length = 0;
        const post = await streamPost(port, sessionQuery("/socket.io/", sid), {
          chunked,
          maxBytes: 16 << 20,
          maxMs: 4000,
        });
        assert.equal(post.status, 413, post.response);
        const read = Math.max(0, ...bodyBytesRead);
        // chunked, the server reads until past the limit; declared too big, it reads nothing
        if (chunked) assert.ok(read > MAX, `the server read only ${read} bytes`);
        // and it stops pulling once past the limit: at most one more chunk than allowed
        assert.ok(read <= MAX + 256 * KB, `the server read ${read} bytes of ${post.sent} sent`);
      }
      await survived("an endless chunked POST");
    },
  );

  it("slow headers and slow bodies do not block anyone else", T, async () => {
    const head = `GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `X-Slow: ${"s".repeat(200)}\r\n\r\n`;
    const slowClients = await Promise.all(Array.from({ length: 20 }, () => RawTcp.open(port)));
    const sid = await pollingSession(url, "/socket.io/");
    const slowBody = await RawTcp.open(port);
    await slowBody.write(
      `POST ${sessionQuery("/socket.io/", sid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Length: 10000\r\n\r\n`,
    );
    let stop = false;
    const dribble = (async () => {
      for (let i = 0; i < head.length && !stop; i++) {
        for (const client of slowClients) await client.write(head[i]);
        await slowBody.write("4");
        await sleep(15);
      }
    })();
    try {
      // while they dribble, bystanders keep getting acks promptly
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await bystanders.check(`slow headers (round ${i})`);
        assert.ok(Date.now() - started < 2000, "an ack took over 2 s");
        await sleep(100);
      }
    } finally {
      stop = true;
      await dribble;
      for (const client of slowClients) client.reset();
      slowBody.reset();
    }
    await survived("slow headers");
  });

  it("a flood of 20,000 tiny packets over WebSocket is handled, in bounded time", T, async () => {
    const before = seen.tiny;
    const ws = await join(port);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 20_000; i++) frames.push(wsFrame(1, `42["tiny",${i}]`));
    await ws.tcp.write(concat(frames));
    await waitUntil(() => seen.tiny - before === 20_000, "20,000 tiny events", 15_000);
    // the flooding connection itself still works
    await ws.sendText('427["message-with-ack","after"]');
    assert.equal(await ws.nextText(5000), '437["after"]');
    ws.reset();
    await survived("a flood of tiny packets");
  });

  it("a flood of 20,000 pongs is harmless; a ping from the client closes", T, async () => {
    const ws = await join(port);
    const pongs = concat(Array.from({ length: 20_000 }, () => wsFrame(1, "3")));
    await ws.tcp.write(pongs);
    await ws.sendText('428["message-with-ack","still here"]');
    assert.equal(await ws.nextText(5000), '438["still here"]');
    const pings = concat(Array.from({ length: 20_000 }, () => wsFrame(1, "2")));
    await ws.tcp.write(pings);
    assert.notEqual(await ws.closeOutcome(5000), undefined, "closed on a client ping");
    ws.reset();
    await survived("a flood of pongs and pings");
  });

  it("20,000 packets over polling (pongs, then events in 4 POSTs) are handled", T, async () => {
    const before = seen.tiny;
    const sid = await pollingSession(url, "/socket.io/");
    await connectPolling(url, sid);
    const target = `${url}${sessionQuery("/socket.io/", sid)}`;
    const pongs = await request(target, {
      method: "POST",
      body: Array(20_000).fill("3").join(SEP),
    });
    assert.equal(pongs.status, 200, pongs.body);
    for (let post = 0; post < 4; post++) {
      const body = Array(5000).fill('42["tiny"]').join(SEP);
      assert.ok(body.length < MAX);
      const reply = await request(target, { method: "POST", body }, 10_000);
      assert.equal(reply.status, 200, reply.body);
    }
    await waitUntil(() => seen.tiny - before === 20_000, "20,000 tiny events", 10_000);
    await survived("20,000 packets over polling");
  });

  it(
    "a CONNECT storm of 200 unknown namespaces gets CONNECT_ERRORs or a clean close",
    T,
    async () => {
      const ws = await join(port);
      await ws.tcp.write(
        concat(Array.from({ length: 200 }, (_, i) => wsFrame(1, `40/unknown-${i},`))),
      );
      const errors = new Set<string>();
      let closed = false;
      while (errors.size < 200) {
        const text = await ws.nextText(5000);
        if (text === undefined) {
          closed = true;
          break;
        }
        const match = /^44(\/unknown-\d+),\{"message":"Invalid namespace"\}$/.exec(text);
        assert.ok(match, `unexpected reply ${text}`);
        errors.add(match[1]);
      }
      if (!closed) {
        assert.equal(errors.size, 200);
        await ws.sendText('429["message-with-ack","alive"]');
        assert.equal(await ws.nextText(), '439["alive"]', "the connection survived the storm");
      } else {
        assert.ok(ws.tcp.ended || (await ws.closeOutcome(1000)) !== undefined);
      }
      ws.reset();
      await survived("a CONNECT storm to unknown namespaces");
    },
  );

  it("a CONNECT storm of 200 dynamic namespaces is answered or closed cleanly", T, async () => {
    const ws = await join(port);
    await ws.tcp.write(concat(Array.from({ length: 200 }, (_, i) => wsFrame(1, `40/dyn-${i},`))));
    const answered = new Set<string>();
    let closed = false;
    while (answered.size < 200) {
      const text = await ws.nextText(5000);
      if (text === undefined) {
        closed = true;
        break;
      }
      const match = /^4[04](\/dyn-\d+),/.exec(text);
      assert.ok(match, `unexpected reply ${text}`);
      answered.add(match[1]);
    }
    if (!closed) {
      await ws.sendText('4210["message-with-ack","alive"]');
      assert.equal(await ws.nextText(), '4310["alive"]');
      // a second CONNECT to a namespace already joined breaks the protocol: closed, as in the
      // reference
      await ws.tcp.write(wsFrame(1, "40"));
      assert.notEqual(await ws.closeOutcome(), undefined);
    }
    ws.reset();
    await survived("a CONNECT storm to dynamic namespaces");
  });

  it("deep JSON closes the connection without a stack overflow", T, async () => {
    for (const depth of [10_000, 100_000]) {
      for (const [open, close] of [["[", "]"], ['{"a":', "}"]]) {
        const ws = await join(port);
        const nested = open.repeat(depth) + (open === "[" ? "" : "1") + close.repeat(depth);
        await ws.sendText(`42["inspect",${nested}]`);
        assert.notEqual(await ws.closeOutcome(), undefined, `depth ${depth} of ${open}`);
        ws.reset();
      }
    }
    // unbalanced: a million opening brackets and nothing else
    const ws = await join(port);
    await ws.sendText("42" + "[".repeat(MAX - 10));
    assert.notEqual(await ws.closeOutcome(), undefined);
    ws.reset();
    // within the limit (32 levels, the args array included) it is delivered
    const ok = await join(port);
    await ok.sendText(`421["message-with-ack",${"[".repeat(30)}${"]".repeat(30)}]`);
    assert.equal(await ok.nextText(), `431[${"[".repeat(30)}${"]".repeat(30)}]`);
    ok.reset();
    // deep JSON over polling
    const sid = await pollingSession(url, "/socket.io/");
    await connectPolling(url, sid);
    const reply = await request(`${url}${sessionQuery("/socket.io/", sid)}`, {
      method: "POST",
      body: `42["inspect",${"[".repeat(40_000)}${"]".repeat(40_000)}]`,
    });
    assert.equal(reply.status, 200);
    await survived("deep JSON");
  });

  it(
    "__proto__ keys close the connection; constructor and prototype stay plain data",
    T,
    async () => {
      const inspectedBefore = seen.inspected.length;
      const refused = [
        '42["inspect",{"__proto__":{"polluted":1}}]',
        '42["inspect",{"a":[{"__proto__":{"polluted":1}}]}]',
        '42["inspect",{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":1}}]',
        '42["inspect",{"\\u005F_proto__":{"polluted":1}}]',
        '451-["inspect",{"__proto__":{"_placeholder":true,"num":0}}]',
        '421["inspect",{"__proto__":[]}]',
      ];
      for (const text of refused) {
        const ws = await join(port);
        await ws.sendText(text);
        if (text.startsWith("45")) await ws.sendBinary(new Uint8Array([1]));
        assert.notEqual(await ws.closeOutcome(), undefined, text);
        ws.reset();
      }
      assert.equal(seen.inspected.length, inspectedBefore, "no refused packet reached a handler");
      assertPrototypesClean();

      // constructor / prototype keys are ordinary own data
      const ws = await join(port);
      await ws.sendText(
        '423["inspect",{"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1},' +
          '"toString":"x","hasOwnProperty":1,"_placeholder":true,"num":0}]',
      );
      const reply = await ws.nextText();
      assert.ok(reply?.startsWith("433"), String(reply));
      const [[shape]] = JSON.parse(reply!.slice(3));
      assert.deepEqual(shape, {
        kind: "object",
        constructor: { kind: "object", prototype: { kind: "object", polluted: "number" } },
        prototype: { kind: "object", polluted: "number" },
        toString: "string",
        hasOwnProperty: "number",
        _placeholder: "boolean",
        num: "number",
      });
      ws.reset();
      assertPrototypesClean();

      // in auth: __proto__ closes the connection, constructor/prototype are plain data
      const authsBefore = seen.auths.length;
      for (const auth of ['{"__proto__":{"polluted":1}}', '{"x":{"__proto__":{"polluted":1}}}']) {
        const raw = await RawWs.open(port, "/socket.io/?EIO=4&transport=websocket");
        await raw.nextText();
        await raw.sendText(`40${auth}`);
        assert.notEqual(await raw.closeOutcome(), undefined, auth);
        raw.reset();
      }
      assert.equal(seen.auths.length, authsBefore, "refused auth never reached connect");
      const raw = await RawWs.open(port, "/socket.io/?EIO=4&transport=websocket");
      await raw.nextText();
      await raw.sendText('40{"constructor":{"prototype":{"polluted":1}},"prototype":1}');
      assert.match((await raw.nextText()) ?? "", /^40\{"sid":/);
      raw.reset();
      assert.deepEqual(seen.auths.at(-1), {
        kind: "object",
        constructor: { kind: "object", prototype: { kind: "object", polluted: "number" } },
        prototype: "number",
      });
      await survived("prototype keys in args and auth");
    },
  );

  it("lying attachment counts close the connection", T, async () => {
    const cases: [string, (ws: RawWs) => Promise<unknown>][] = [
      ["fewer placeholders than attachments, then an extra binary frame", async (ws) => {
        await ws.sendText('451-["tiny","no placeholder"]');
        await ws.sendBinary(new Uint8Array([1]));
        await ws.sendBinary(new Uint8Array([2]));
      }],
      ["more attachments announced, then a text frame", async (ws) => {
        await ws.sendText('452-["tiny",{"_placeholder":true,"num":0}]');
        await ws.sendBinary(new Uint8Array([1]));
        await ws.sendText('42["tiny"]');
      }],
      ["more attachments than maxAttachments", (ws) => ws.sendText('4511-["tiny"]')],
      ["an absurd attachment count", (ws) => ws.sendText('4599999999999999999999-["tiny"]')],
      ["zero attachments", (ws) => ws.sendText('450-["tiny"]')],
      ["a count without a dash", (ws) => ws.sendText('451["tiny"]')],
      ["a placeholder beyond the count", async (ws) => {
        await ws.sendText('451-["tiny",{"_placeholder":true,"num":3}]');
        await ws.sendBinary(new Uint8Array([1]));
      }],
    ];
    for (const [name, attack] of cases) {
      const ws = await join(port);
      await attack(ws);
      assert.notEqual(await ws.closeOutcome(), undefined, name);
      ws.reset();
    }
    // over polling, attachments come as "b" packets: one too many closes the session
    const sid = await pollingSession(url, "/socket.io/");
    await connectPolling(url, sid);
    const reply = await request(`${url}${sessionQuery("/socket.io/", sid)}`, {
      method: "POST",
      body: ['451-["tiny",{"_placeholder":true,"num":0}]', "bAQI=", "bAQI="].join(SEP),
    });
    assert.ok([200, 400].includes(reply.status));
    // the session is closing: the next poll gets the CLOSE packet, or the session is gone
    const after = await request(`${url}${sessionQuery("/socket.io/", sid)}`);
    const closing = after.status === 400 || after.body.split(SEP).at(-1) === "1";
    assert.ok(closing, `poll after the lie: ${after.status} ${after.body}`);
    await survived("lying attachment counts");
  });

  it("competing and garbled upgrades: one wins, the others are closed", T, async () => {
    const sid = await pollingSession(url, "/socket.io/");
    await connectPolling(url, sid);
    const path = `/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`;
    const attempts = await Promise.all(Array.from({ length: 5 }, () => RawWs.open(port, path)));
    await Promise.all(attempts.map((ws) => ws.sendText("2probe")));
    const answers = await Promise.all(attempts.map((ws) => ws.nextText(2000)));
    const winners = attempts.filter((_, i) => answers[i] === "3probe");
    assert.equal(winners.length, 1, `probe answers: ${JSON.stringify(answers)}`);
    const [winner] = winners;
    await winner.sendText("5");
    await winner.sendText('4211["message-with-ack","upgraded"]');
    assert.equal(await winner.nextText(), '4311["upgraded"]');
    for (const ws of attempts) ws.reset();

    // an upgrade that sends garbage instead of the probe is dropped; polling carries on
    const sid2 = await pollingSession(url, "/socket.io/");
    await connectPolling(url, sid2);
    const garbled = await RawWs.open(
      port,
      `/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(sid2)}`,
    );
    await garbled.sendText('42["tiny"]');
    assert.notEqual(await garbled.closeOutcome(), undefined);
    garbled.reset();
    const target = `${url}${sessionQuery("/socket.io/", sid2)}`;
    const posted = await request(target, {
      method: "POST",
      body: '4212["message-with-ack","polling"]',
    });
    assert.equal(posted.status, 200);
    assert.ok((await request(target)).body.split(SEP).includes('4312["polling"]'));
    await survived("competing and garbled upgrades");
  });

  it("resets in the middle of a frame end the session as a transport close", T, async () => {
    const reasonsBefore = seen.reasons.length;
    const clientsBefore = io.clientsCount;
    const sockets = await Promise.all(Array.from({ length: 30 }, () => join(port)));
    await Promise.all(sockets.map(async (ws, i) => {
      const frame = wsFrame(1, `42["tiny","${"x".repeat(200 + i)}"]`);
      await ws.tcp.write(frame.subarray(0, 3 + (i % (frame.length - 3))));
      ws.reset();
    }));
    await waitUntil(
      () => io.clientsCount === clientsBefore && seen.reasons.length - reasonsBefore === 30,
      "the 30 reset sessions to close",
      5000,
    );
    const reasons = new Set(seen.reasons.slice(reasonsBefore));
    for (const reason of reasons) {
      assert.ok(["transport close", "transport error"].includes(reason), reason);
    }
    await survived("resets mid-frame");
  });
});

/** A raw WebSocket joined to the main namespace (this server sends no greeting). */
function join(port: number): Promise<RawWs> {
  return rawSocketIoWs(port, { greeting: false });
}

/** Joins the main namespace on a polling session (CONNECT, then reads the reply). */
async function connectPolling(url: string, sid: string): Promise<void> {
  const target = `${url}${sessionQuery("/socket.io/", sid)}`;
  const posted = await request(target, { method: "POST", body: "40" });
  assert.equal(posted.status, 200);
  const reply = await request(target);
  assert.match(reply.body, /40\{"sid":/);
}

/** A text frame of exactly `size` UTF-8 bytes: prefix, "a"s, suffix. */
function frameOfSize(prefix: string, suffix: string, size: number): string {
  return prefix + "a".repeat(size - prefix.length - suffix.length) + suffix;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  return all;
}

/**
 * Counts the body bytes the server pulls from each POST (into `record`, one entry per POST,
 * updated as it reads), passing every other request through untouched.
 */
function countPostBody(request: Request, record: number[]): Request {
  if (request.method !== "POST" || !request.body) return request;
  const index = record.push(0) - 1;
  const reader = request.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else {
        record[index] += value.byteLength;
        controller.enqueue(value);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Request(request, { body, duplex: "half" } as RequestInit);
}
