/** What a session keeps of its handshake request reads back as the request had it. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HandshakeRequest } from "../../src/http/handshake_request.ts";

describe("HandshakeRequest", () => {
  it("keeps the headers, the path and query, and answers hasHeader", () => {
    const request = new Request("http://127.0.0.1/socket.io/?EIO=4&transport=websocket&x=a%3Ab", {
      headers: [
        ["Origin", "http://example.test:8080"],
        ["X-Multi", "one"],
        ["x-multi", "two"],
        ["Cookie", "a=1; b=2"],
        ["X-Empty", ""],
      ],
    });
    const url = new URL(request.url);
    const info = new HandshakeRequest(request, url.pathname + url.search, "127.0.0.1", false, {});
    assert.equal(info.url, "/socket.io/?EIO=4&transport=websocket&x=a%3Ab");
    assert.equal(info.query.get("x"), "a:b");
    assert.equal(info.hasHeader("origin"), true);
    assert.equal(info.hasHeader("x-empty"), true);
    assert.equal(info.hasHeader("orig"), false, "a prefix is not a header");
    assert.equal(info.hasHeader("example.test"), false, "a value is not a header");
    const headers = info.headers;
    assert.equal(headers.get("origin"), "http://example.test:8080");
    assert.equal(headers.get("x-multi"), "one, two");
    assert.equal(headers.get("cookie"), "a=1; b=2");
    assert.equal(headers.get("x-empty"), "");
    assert.deepEqual([...headers.keys()].sort(), ["cookie", "origin", "x-empty", "x-multi"]);
  });

  it("a request without headers", () => {
    const info = new HandshakeRequest(new Request("http://h/"), "/", "", true, undefined);
    assert.equal([...info.headers.keys()].length, 0);
    assert.equal(info.hasHeader("origin"), false);
  });
});
