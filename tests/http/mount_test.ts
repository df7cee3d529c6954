/**
 * The endpoint's fetch: requests for its path skip the app's router while the app has the
 * endpoint alone, and go through it once routes are added through `io.app`; either way an
 * error the handler throws is answered by the app's error handler.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { createServer } from "../../mod.ts";
import { RUNTIME_BINDING_KEY } from "../../src/runtime/select.ts";

const handshakeUrl = "http://localhost/socket.io/?EIO=4&transport=polling";
/** An env whose runtime binding throws when the handler asks for it. */
const failingEnv = {
  get [RUNTIME_BINDING_KEY]() {
    throw new Error("no runtime here");
  },
};

/** `io.app` is a Hono instance (typed as the part of it most users need). */
function appOf(io: ReturnType<typeof createServer>): Hono {
  return io.app as unknown as Hono;
}

async function withServer(run: (io: ReturnType<typeof createServer>) => Promise<void>) {
  const io = createServer({ gateways: [] });
  try {
    await run(io);
  } finally {
    await io.close();
  }
}

describe("endpoint fetch", () => {
  it("serves a handshake with the app holding the endpoint alone", async () => {
    await withServer(async (io) => {
      const response = await io.fetch(new Request(handshakeUrl));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /^0\{"sid":/);
    });
  });

  it("serves routes added through io.app beside the endpoint", async () => {
    await withServer(async (io) => {
      appOf(io).get("/health", (c) => c.text("up"));
      const health = await io.fetch(new Request("http://localhost/health"));
      assert.equal(await health.text(), "up");
      const response = await io.fetch(new Request(handshakeUrl));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /^0\{"sid":/);
    });
  });

  it("answers a request outside the endpoint's path with 404", async () => {
    await withServer(async (io) => {
      const response = await io.fetch(new Request("http://localhost/socket.io/x?EIO=4"));
      assert.equal(response.status, 404);
      await response.body?.cancel();
    });
  });

  it("hands a thrown error to the app's error handler", async () => {
    await withServer(async (io) => {
      const original = console.error;
      console.error = () => {}; // Hono's default handler logs the error
      try {
        const fallback = await io.fetch(new Request(handshakeUrl), failingEnv);
        assert.equal(fallback.status, 500);
        await fallback.body?.cancel();
      } finally {
        console.error = original;
      }
      appOf(io).onError((error, c) => c.text(`handled: ${error.message}`, 503));
      const handled = await io.fetch(new Request(handshakeUrl), failingEnv);
      assert.equal(handled.status, 503);
      assert.equal(await handled.text(), "handled: no runtime here");
    });
  });
});
