/**
 * The `parser` option of `createServer` (src/options/socket_options.ts): the built-in codec by
 * default, a socket.io-parser-shaped module accepted as socket.io takes it, and the one error
 * form for anything else.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as msgpackParser from "socket.io-msgpack-parser";
import { createServer, type ServerOptions } from "../../mod.ts";
import { toCoreOptions } from "../../src/compat/options.ts";
import { BUILTIN_CODEC } from "../../src/parser/codec.ts";
import { resolveServerOptions } from "../../src/options/server_options.ts";
import { typeErrorOf } from "../_helpers/type_error.ts";

const loosely = (options: Record<string, unknown>) => () =>
  resolveServerOptions(options as ServerOptions);

const SHAPE =
  'an object with Encoder and Decoder classes, as socket.io-parser (import * as msgpackParser from "socket.io-msgpack-parser")';

describe("options: parser", () => {
  it("defaults to the built-in codec", () => {
    assert.equal(resolveServerOptions({}).socket.parser, BUILTIN_CODEC);
  });

  it("takes socket.io-msgpack-parser's module, or { Encoder, Decoder }", async () => {
    const codec = resolveServerOptions({ parser: msgpackParser }).socket.parser;
    assert.notEqual(codec, BUILTIN_CODEC);
    const [frame] = codec.encode({ type: 2, nsp: "/", data: ["hi"] });
    assert.ok(frame instanceof Uint8Array);
    const { Encoder, Decoder } = msgpackParser;
    const io = createServer({ parser: { Encoder, Decoder } });
    await io.close();
  });

  it("refuses anything else with the one error form", () => {
    for (const [value, shown] of [[42, "42"], [null, "null"], ["msgpack", '"msgpack"']] as const) {
      assert.equal(
        typeErrorOf(loosely({ parser: value })),
        `createServer: parser must be ${SHAPE}, got ${shown}, e.g. parser: msgpackParser`,
      );
    }
    assert.match(typeErrorOf(loosely({ parser: { Encoder: class {} } })), /Encoder and Decoder/);
    const noAdd = { Encoder: class {}, Decoder: class {} };
    assert.match(typeErrorOf(loosely({ parser: noAdd })), /whose decoders have add and on/);
  });

  it("passes through the compat entry (socket.io's option of the same name)", () => {
    assert.equal(toCoreOptions({ parser: msgpackParser }, () => undefined).parser, msgpackParser);
    assert.equal(toCoreOptions({}, () => undefined).parser, undefined);
  });
});
