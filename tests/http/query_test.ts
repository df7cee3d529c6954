/** QueryParams reads a URL's query parameters exactly as URLSearchParams would. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { QueryParams } from "../../src/http/query.ts";

const names = ["transport", "sid", "EIO", "t", "", "x"];
const urls = [
  "http://h/socket.io/?EIO=4&transport=polling&sid=abc-_123",
  "http://h/socket.io/?EIO=4&transport=polling&t=Pz1&sid=a&sid=b",
  "http://h/socket.io/",
  "http://h/socket.io/?",
  "http://h/socket.io/?&&transport&sid=&EIO==4",
  "http://h/socket.io/?transport=websocket#sid=fragment",
  "http://h/socket.io/?sidx=1&xsid=2&sid=3",
  "http://h/socket.io/?%73id=encoded&transport=poll%69ng",
  "http://h/socket.io/?sid=a+b&transport=polling",
  "http://h/socket.io/?sid=%zz&transport=%",
  "/socket.io/?EIO=4&transport=polling&sid=rel",
  "http://h/socket.io/?=v&x=1=2",
];

describe("QueryParams", () => {
  it("gives what URLSearchParams gives for every name", () => {
    for (const url of urls) {
      const expected = new URL(url, "http://base").searchParams;
      const params = new QueryParams(url);
      for (const name of names) {
        assert.equal(params.get(name), expected.get(name), `${name} of ${url}`);
      }
    }
  });
});
