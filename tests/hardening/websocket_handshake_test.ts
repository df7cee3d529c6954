/**
 * A WebSocket upgrade with a malformed opening handshake (RFC 6455 4.1) is refused before any
 * runtime upgrades it, the same way on Deno, Bun (the server this file starts, on the runtime
 * running it) and Node (the fixture in a child process): 400 with a plain-text reason, as the
 * reference's `ws` answers, with `Connection: close`, and no session opened or touched. (Bun and
 * Node then close the connection; Deno keeps it open for another request despite the header.)
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { handshake, poll, push } from "../_helpers/raw_client.ts";
import { fixtureCommand, type SpawnedFixture, spawnFixture } from "../_helpers/spawn_fixture.ts";
import { headEnd, RawTcp, statusOf } from "./_raw_tcp.ts";
import { stats } from "./_child.ts";

const GOOD_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const BAD_KEY = "Missing or invalid Sec-WebSocket-Key header";
const BAD_VERSION = "Missing or invalid Sec-WebSocket-Version header";

/** A base64 string of `n` bytes. */
function base64Of(n: number): string {
  return btoa(String.fromCharCode(...new Array(n).fill(65)));
}

/** The malformed handshakes: the headers that differ from a good one, and the reason. */
const MALFORMED: { name: string; key?: string; version?: string; reason: string }[] = [
  { name: "key abc", key: "abc", version: "13", reason: BAD_KEY },
  { name: "no key", version: "13", reason: BAD_KEY },
  { name: "key of 15 bytes", key: base64Of(15), version: "13", reason: BAD_KEY },
  { name: "key of 17 bytes", key: base64Of(17), version: "13", reason: BAD_KEY },
  { name: "key not base64", key: "dGhlIHNhbXBsZSBub25jZQ!=", version: "13", reason: BAD_KEY },
  { name: "version 99", key: GOOD_KEY, version: "99", reason: BAD_VERSION },
  { name: "version 8", key: GOOD_KEY, version: "8", reason: BAD_VERSION },
  { name: "no version", key: GOOD_KEY, reason: BAD_VERSION },
];

interface RawReply {
  status: number | undefined;
  headers: Map<string, string>;
  body: string;
}

/** Sends one upgrade request over raw TCP and reads the whole answer. */
async function upgradeOver(
  port: number,
  path: string,
  key: string | undefined,
  version: string | undefined,
): Promise<RawReply> {
  const tcp = await RawTcp.open(port);
  try {
    await tcp.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\n` +
        (key === undefined ? "" : `Sec-WebSocket-Key: ${key}\r\n`) +
        (version === undefined ? "" : `Sec-WebSocket-Version: ${version}\r\n`) + "\r\n",
    );
    assert.ok(await tcp.until((bytes) => headEnd(bytes) >= 0), "an answer to the upgrade");
    const end = headEnd(tcp.peek());
    const lines = new TextDecoder().decode(tcp.peek().subarray(0, end)).split("\r\n");
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = statusOf(tcp.peek());
    const length = Number(headers.get("content-length") ?? 0);
    if (status !== 101) await tcp.until((bytes) => bytes.byteLength >= end + length);
    const body = new TextDecoder().decode(tcp.peek().subarray(end, end + length));
    return { status, headers, body };
  } finally {
    tcp.reset();
  }
}

/** Asserts the refusal of a malformed handshake. */
function assertRefused(reply: RawReply, reason: string, what: string): void {
  assert.equal(reply.status, 400, `${what}: status`);
  assert.equal(reply.body, reason, `${what}: body`);
  assert.equal(reply.headers.get("content-type"), "text/html", `${what}: content-type`);
  assert.equal(reply.headers.get("connection"), "close", `${what}: connection`);
  if (reason === BAD_VERSION) {
    assert.equal(reply.headers.get("sec-websocket-version"), "13", `${what}: supported version`);
  }
}

describe("malformed WebSocket handshakes, on the runtime running the tests", () => {
  let server: TestEngineServer;
  let path: string;
  before(async () => {
    server = await startEngineServer({ pingInterval: 10_000, pingTimeout: 5_000 });
    path = new URL(server.httpUrl).pathname;
  });
  after(async () => {
    await server.close();
  });

  it("a handshake with a bad key or version gets 400 and opens no session", async () => {
    for (const bad of MALFORMED) {
      const reply = await upgradeOver(
        server.port,
        `${path}?EIO=4&transport=websocket`,
        bad.key,
        bad.version,
      );
      assertRefused(reply, bad.reason, bad.name);
    }
    assert.equal(server.engine.clientsCount, 0);
    assert.equal(server.sockets.size, 0);
  });

  it("an upgrade of a polling session with a bad key or version leaves the session polling", async () => {
    const { sid } = await handshake(server.httpUrl);
    for (const bad of MALFORMED) {
      const reply = await upgradeOver(
        server.port,
        `${path}?EIO=4&transport=websocket&sid=${sid}`,
        bad.key,
        bad.version,
      );
      assertRefused(reply, bad.reason, bad.name);
    }
    const session = await server.socket(sid);
    assert.equal(session.transport, "polling");
    assert.equal(session.readyState, "open");
    assert.equal((await push(server.httpUrl, sid, "4still")).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, "4still");
  });

  it("a well-formed handshake still upgrades (101)", async () => {
    const reply = await upgradeOver(
      server.port,
      `${path}?EIO=4&transport=websocket`,
      GOOD_KEY,
      "13",
    );
    assert.equal(reply.status, 101);
  });
});

const nodeSkip = fixtureCommand("node")
  ? false
  : "node is not available (run through deno task test)";

describe("malformed WebSocket handshakes, on Node (the fixture)", { skip: nodeSkip }, () => {
  let fixture: SpawnedFixture;
  before(async () => {
    fixture = await spawnFixture("node");
  });
  after(async () => {
    await fixture?.stop();
  });

  it("a handshake with a bad key or version gets 400 and opens no session", async () => {
    for (const endpoint of ["/engine.io/", "/socket.io/"]) {
      for (const bad of MALFORMED) {
        const reply = await upgradeOver(
          fixture.port,
          `${endpoint}?EIO=4&transport=websocket`,
          bad.key,
          bad.version,
        );
        assertRefused(reply, bad.reason, `${endpoint} ${bad.name}`);
      }
    }
    assert.deepEqual(await stats(`http://127.0.0.1:${fixture.port}`), { clients: 0, sockets: 0 });
    const good = await upgradeOver(
      fixture.port,
      "/engine.io/?EIO=4&transport=websocket",
      GOOD_KEY,
      "13",
    );
    assert.equal(good.status, 101);
  });
});
