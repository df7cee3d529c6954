/**
 * The PONG deadline counts from when the PING was due, not from when a late timer sent it: a
 * silent peer's session is over pingInterval + pingTimeout after the last sign of life, even
 * on a busy event loop (the official suite polls right then and expects a 400).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";
import { PollingTransport } from "../../src/engine/polling.ts";
import { EngineSession } from "../../src/engine/session.ts";

function openSession(pingInterval: number, pingTimeout: number): EngineSession {
  const session = new EngineSession(
    "heartbeat-sid",
    new PollingTransport(),
    {
      headers: new Headers(),
      query: new URLSearchParams("EIO=4&transport=polling"),
      url: "/engine.io/?EIO=4&transport=polling",
      remoteAddress: "127.0.0.1",
      secure: false,
      issued: Date.now(),
    },
    resolveEngineOptions({ pingInterval, pingTimeout }),
    () => {},
  );
  session.open();
  return session;
}

/** Blocks the event loop for `ms`, so every timer due meanwhile fires late. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy on purpose
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("heartbeat deadline", () => {
  it("a PING timer that fires late does not extend the session past interval + timeout", async () => {
    const opened = Date.now();
    const session = openSession(50, 200);
    try {
      block(120); // the PING, due at +50, goes out at about +120
      await sleep(20);
      // counted from when the PING went out, the deadline would be about +320
      const checkAt = opened + 50 + 200 + 30;
      assert.equal(session.checkHeartbeat(checkAt), false, "closed at interval + timeout");
      assert.equal(session.readyState, "closed");
    } finally {
      session.terminate("forced server close");
    }
  });

  it("a PING that goes out very late still leaves the peer time for the PONG", async () => {
    const session = openSession(20, 100);
    try {
      const closed = new Promise<string>((resolve) => session.on("close", resolve));
      block(150); // due at +20, sent at about +150: past due + timeout already
      await sleep(0);
      assert.equal(session.checkHeartbeat(Date.now() + 10), true, "not closed at once");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const reason = await Promise.race([
        closed,
        new Promise<string>((resolve) => timer = setTimeout(() => resolve("none"), 2000)),
      ]);
      clearTimeout(timer);
      assert.equal(reason, "ping timeout");
    } finally {
      session.terminate("forced server close");
    }
  });
});
