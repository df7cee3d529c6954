/**
 * socket.io options through `@sio/gateway/compat`: the `cors` package's options, `allowRequest`
 * with Node's request, engine.io's `connection_error` and `initial_headers` events, and the
 * client bundle (`serveClient`).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type CompatCorsOptions, toCoreOptions } from "../../src/compat/options.ts";
import { corsPolicy } from "../../src/http/cors_policy.ts";
import { type ConnectionError, Server } from "../../compat.ts";

const servers: Server[] = [];
after(async () => {
  for (const io of servers) await io.close();
});

async function start(options: ConstructorParameters<typeof Server>[1] = {}): Promise<{
  io: Server;
  url: string;
}> {
  const io = new Server(0, options);
  servers.push(io);
  const server = io.httpServer!;
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return { io, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("compat options", () => {
  it("hands the cors package's options to the core's CORS as they are", async () => {
    const verdict = async (cors: CompatCorsOptions, origin: string) =>
      (await corsPolicy(toCoreOptions({ cors }, () => undefined).cors!).verdict(origin)).allowed;
    assert.equal(await verdict({ origin: "https://a.test" }, "https://a.test"), true);
    assert.equal(await verdict({ origin: /\.good\.test$/ }, "https://x.good.test"), true);
    assert.equal(await verdict({ origin: /\.good\.test$/ }, "https://evil.test"), false);
    assert.equal(await verdict({ origin: ["https://a.test", /b\.test$/] }, "https://b.test"), true);
    assert.equal(
      await verdict({ origin: ["https://a.test", /b\.test$/] }, "https://c.test"),
      false,
    );
    assert.equal(await verdict({ origin: true }, "https://any.test"), true);
    const callback: CompatCorsOptions = { origin: (o, cb) => cb(null, o === "https://ok.test") };
    assert.equal(await verdict(callback, "https://ok.test"), true);
    assert.equal(await verdict(callback, "https://no.test"), false);
    assert.equal(toCoreOptions({}, () => undefined).cleanupEmptyChildNamespaces, false);
  });

  it("allowRequest gets Node's request; a refusal is a 403 and a connection_error", async () => {
    const seen: string[] = [];
    const { io, url } = await start({
      allowRequest: (req, callback) => {
        const request = req as IncomingMessage;
        seen.push(request.headers["x-token"] as string ?? "");
        callback(null, request.headers["x-token"] === "yes");
      },
      cors: { origin: "https://app.test", credentials: true },
    });
    const errors: ConnectionError[] = [];
    io.engine.on("connection_error", (error: ConnectionError) => errors.push(error));
    const refused = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
    const admitted = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { "x-token": "yes", origin: "https://app.test" },
    });
    assert.equal(admitted.status, 200);
    assert.equal(admitted.headers.get("access-control-allow-origin"), "https://app.test");
    assert.equal(admitted.headers.get("access-control-allow-credentials"), "true");
    await admitted.body?.cancel();
    assert.deepEqual(seen, ["", "yes"]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 4);
    assert.equal((errors[0].req as IncomingMessage).url, "/socket.io/?EIO=4&transport=polling");
  });

  it("initial_headers listeners can add handshake headers", async () => {
    const { io, url } = await start();
    io.engine.on("initial_headers", (headers: Record<string, string>) => {
      headers["set-cookie"] = "session=abc";
    });
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.headers.get("set-cookie"), "session=abc");
    await response.body?.cancel();
  });

  it("serves the client bundle from the installed socket.io-client, unless serveClient is false", async () => {
    const { url } = await start();
    const bundle = await fetch(`${url}/socket.io/socket.io.min.js`);
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get("content-type"), "application/javascript; charset=utf-8");
    assert.match(await bundle.text(), /engine\.io|socket\.io/i);
    const { url: noClient } = await start({ serveClient: false });
    const refused = await fetch(`${noClient}/socket.io/socket.io.min.js`);
    assert.equal(refused.status, 400);
    await refused.body?.cancel();
  });
});
