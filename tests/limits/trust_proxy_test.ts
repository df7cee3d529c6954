/**
 * `trustProxy`: which proxies may name the client address in X-Forwarded-For. The address it
 * gives is the one per-address limits count and `socket.handshake.address`; without it, the
 * header is ignored (a client cannot pick its own address).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type ServerOptions } from "../../mod.ts";
import { clientAddressResolver } from "../../src/http/client_address.ts";
import { closeAll, connect, startServer } from "../_helpers/socketio.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

function requestWith(forwardedFor?: string): Request {
  const headers = forwardedFor === undefined ? undefined : { "x-forwarded-for": forwardedFor };
  return new Request("http://127.0.0.1/socket.io/", { headers });
}

describe("trustProxy: the client address", () => {
  const xff = "198.51.100.9, 10.0.0.2, 10.0.0.1";

  it("false (the default) ignores X-Forwarded-For", () => {
    assert.equal(clientAddressResolver(false)(requestWith(xff), "10.0.0.3"), "10.0.0.3");
  });

  it("true takes the left-most address", () => {
    assert.equal(clientAddressResolver(true)(requestWith(xff), "10.0.0.3"), "198.51.100.9");
    assert.equal(clientAddressResolver(true)(requestWith(), "10.0.0.3"), "10.0.0.3");
  });

  it("a hop count takes that many steps from the peer", () => {
    const request = requestWith(xff);
    assert.equal(clientAddressResolver(0)(request, "10.0.0.3"), "10.0.0.3");
    assert.equal(clientAddressResolver(1)(request, "10.0.0.3"), "10.0.0.1");
    assert.equal(clientAddressResolver(3)(request, "10.0.0.3"), "198.51.100.9");
    assert.equal(clientAddressResolver(9)(request, "10.0.0.3"), "198.51.100.9");
  });

  it("a list of proxies takes the nearest address not in it (IPv4-mapped and ports normalized)", () => {
    const resolve = clientAddressResolver(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    assert.equal(resolve(requestWith(xff), "::ffff:10.0.0.3"), "198.51.100.9");
    // a client sending its own header through one trusted proxy cannot skip past itself
    assert.equal(resolve(requestWith("1.1.1.1, 203.0.113.5:4000"), "10.0.0.3"), "203.0.113.5");
    // an untrusted peer is the client, whatever it claims
    assert.equal(resolve(requestWith(xff), "203.0.113.8"), "203.0.113.8");
  });

  it("a function decides; a throw or a non-string falls back to the peer (logged)", async () => {
    const records: LogRecord[] = [];
    await captureLogs(records, ["sio", "engine"], "warning");
    try {
      const own = clientAddressResolver((request) => request.headers.get("x-real-ip") ?? "");
      const request = new Request("http://x/", { headers: { "x-real-ip": "192.0.2.4" } });
      assert.equal(own(request, "10.0.0.3"), "192.0.2.4");
      assert.equal(own(requestWith(), "10.0.0.3"), "10.0.0.3");
      const throwing = clientAddressResolver(() => {
        throw new Error("boom");
      });
      assert.equal(throwing(requestWith(), "10.0.0.3"), "10.0.0.3");
      assert.ok(records.some((record) => /trustProxy/.test(String(record.rawMessage))));
    } finally {
      await stopCapturingLogs();
    }
  });

  it("a malformed header stops at the gap instead of reading past it", () => {
    assert.equal(clientAddressResolver(5)(requestWith("1.1.1.1,,2.2.2.2"), "10.0.0.3"), "2.2.2.2");
  });
});

describe("trustProxy: socket.handshake.address", () => {
  after(closeAll);

  const probe = defineGateway({ events: { address: (socket) => socket.handshake.address } });

  async function addressSeen(options: ServerOptions): Promise<unknown> {
    const server = await startServer({ gateways: [probe], ...options });
    const client = await connect(server.url, {
      transports: ["polling"],
      extraHeaders: { "x-forwarded-for": "203.0.113.50" },
    });
    const address = await client.timeout(2000).emitWithAck("address");
    await server.close();
    return address;
  }

  it("is the forwarded address when the proxy is trusted", async () => {
    assert.equal(await addressSeen({ trustProxy: 1 }), "203.0.113.50");
  });

  it("is the peer's address otherwise", async () => {
    assert.match(String(await addressSeen({})), /127\.0\.0\.1/);
  });
});
