/**
 * Unit tests of a socket.io-parser-shaped module as the server's codec
 * (src/parser/parser_module.ts): socket.io-msgpack-parser round trips, frame normalisation,
 * and decoders that throw, emit garbage, emit late or emit several packets.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as msgpackParser from "socket.io-msgpack-parser";
import type { DecodedSink, PacketDecoder } from "../../src/parser/codec.ts";
import {
  parserCodec,
  type ParserDecoder,
  type SocketIoParser,
} from "../../src/parser/parser_module.ts";
import type { SocketPacket } from "../../src/parser/packet.ts";

/** A sink that records what a decoder reports. */
function recorder(): DecodedSink & { packets: SocketPacket[]; errors: string[] } {
  const packets: SocketPacket[] = [];
  const errors: string[] = [];
  return { packets, errors, packet: (p) => packets.push(p), error: (e) => errors.push(e) };
}

/**
 * A parser module whose decoder does what `onAdd` says with each frame; `emit` sends a
 * "decoded" event. Records the frames it was given and whether it was destroyed.
 */
function fakeParser(
  onAdd: (frame: unknown, emit: (packet: unknown) => void) => void,
  encode: (packet: SocketPacket) => unknown = (packet) => [JSON.stringify(packet)],
) {
  const state = { frames: [] as unknown[], destroyed: 0, emit: (_packet: unknown) => {} };
  class Decoder implements ParserDecoder {
    #listeners: ((packet: unknown) => void)[] = [];
    constructor() {
      state.emit = (packet) => {
        for (const listener of [...this.#listeners]) listener(packet);
      };
    }
    add(frame: string | Uint8Array) {
      state.frames.push(frame);
      onAdd(frame, state.emit);
    }
    on(_event: "decoded", listener: (packet: unknown) => void) {
      this.#listeners.push(listener);
    }
    off(_event: "decoded", listener: (packet: unknown) => void) {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    }
    destroy() {
      state.destroyed++;
    }
  }
  class Encoder {
    encode(packet: SocketPacket) {
      return encode(packet);
    }
  }
  return { parser: { Encoder, Decoder } as SocketIoParser, state };
}

const EVENT: SocketPacket = { type: 2, nsp: "/", data: ["hi", 1] };

function decoderFor(parser: SocketIoParser, sink: DecodedSink, maxDepth = 32): PacketDecoder {
  return parserCodec(parser).createDecoder({ maxDepth }, sink);
}

describe("parserCodec with socket.io-msgpack-parser", () => {
  const codec = parserCodec(msgpackParser);

  it("encodes a packet into one binary frame that decodes back", () => {
    const packet: SocketPacket = { type: 2, nsp: "/chat", data: ["hi", { a: [1, null] }], id: 4 };
    const frames = codec.encode(packet);
    assert.equal(frames.length, 1);
    assert.ok(frames[0] instanceof Uint8Array);
    const sink = recorder();
    codec.createDecoder({}, sink).add(frames[0] as Uint8Array);
    assert.deepEqual(sink.errors, []);
    assert.deepEqual(sink.packets, [packet]);
  });

  it("decodes from a plain Uint8Array view that does not start at its buffer's first byte", () => {
    const [frame] = codec.encode(EVENT) as [Uint8Array];
    const backing = new Uint8Array(frame.byteLength + 5);
    backing.set(frame, 3);
    const sink = recorder();
    codec.createDecoder({}, sink).add(new Uint8Array(backing.buffer, 3, frame.byteLength));
    assert.deepEqual(sink.packets, [EVENT]);
  });

  it("hands binary values over as Uint8Array", () => {
    const [frame] = codec.encode({ type: 2, nsp: "/", data: ["f", new Uint8Array([7, 8])] });
    const sink = recorder();
    codec.createDecoder({}, sink).add(frame as Uint8Array);
    const bytes = (sink.packets[0].data as unknown[])[1];
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes], [7, 8]);
  });

  it("refuses invalid msgpack, a text frame and a bad packet shape, without throwing", () => {
    const frames: (string | Uint8Array)[] = [
      new Uint8Array([0xc1]), // never used in msgpack
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), // an array of 2^32 - 1 items, none there
      new Uint8Array([0x92, 0x01]), // truncated
      '2["hi"]',
      codec.encode({ type: 2, nsp: "chat", data: ["x"] })[0] as Uint8Array,
      codec.encode({ type: 2, nsp: "/", data: ["disconnect"] })[0] as Uint8Array,
      codec.encode({ type: 9, nsp: "/", data: [] } as unknown as SocketPacket)[0] as Uint8Array,
    ];
    for (const frame of frames) {
      const sink = recorder();
      codec.createDecoder({}, sink).add(frame);
      assert.equal(sink.packets.length, 0);
      assert.equal(sink.errors.length, 1, `one error for ${String(frame)}`);
    }
  });

  it("refuses a frame whose msgpack lengths outrun it before the decoder sees it", () => {
    // ext 32 of type 0: notepack.io would allocate and fill a 4 GiB ArrayBuffer
    const bomb = new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00]);
    const sink = recorder();
    const started = performance.now();
    codec.createDecoder({}, sink).add(bomb);
    assert.ok(performance.now() - started < 100);
    assert.match(sink.errors[0], /msgpack length beyond the frame/);
  });

  it("refuses data nested deeper than maxDepth", () => {
    let data: unknown = 1;
    for (let i = 0; i < 40; i++) data = [data];
    const [frame] = codec.encode({ type: 2, nsp: "/", data: ["e", data] });
    const sink = recorder();
    codec.createDecoder({ maxDepth: 16 }, sink).add(frame as Uint8Array);
    assert.match(sink.errors[0], /too deep/);
  });
});

describe("parserCodec frames", () => {
  it("turns ArrayBuffers and other views into Uint8Array, and a lone frame into an array", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const { parser } = fakeParser(
      () => {},
      () => ["head", bytes.buffer, new DataView(bytes.buffer, 1)],
    );
    const frames = parserCodec(parser).encode(EVENT);
    assert.equal(frames[0], "head");
    assert.deepEqual(frames.slice(1).map((f) => [...(f as Uint8Array)]), [[1, 2, 3], [2, 3]]);
    const lone = fakeParser(() => {}, () => bytes.buffer).parser;
    assert.deepEqual(parserCodec(lone).encode(EVENT).map((f) => [...(f as Uint8Array)]), [[
      1,
      2,
      3,
    ]]);
  });

  it("passes strings and Uint8Arrays through as they are", () => {
    const out = ["a", new Uint8Array([1])];
    const { parser } = fakeParser(() => {}, () => out);
    assert.equal(parserCodec(parser).encode(EVENT), out);
  });

  it("throws a TypeError on a frame that is neither a string nor binary", () => {
    const { parser } = fakeParser(() => {}, () => ["ok", 42]);
    assert.throws(() => parserCodec(parser).encode(EVENT), TypeError);
  });
});

describe("parserCodec decoders that misbehave", () => {
  it("a decoder that throws: one error, later frames ignored, the decoder destroyed", () => {
    const { parser, state } = fakeParser(() => {
      throw new RangeError("boom");
    });
    const sink = recorder();
    const decoder = decoderFor(parser, sink);
    assert.doesNotThrow(() => decoder.add("x"));
    decoder.add("y");
    assert.equal(sink.errors.length, 1);
    assert.match(sink.errors[0], /boom/);
    assert.deepEqual(state.frames, ["x"]);
    assert.equal(state.destroyed, 1);
  });

  it("a decoder that throws something that is not an Error, with a toString that throws", () => {
    const { parser } = fakeParser(() => {
      throw {
        toString() {
          throw new Error("again");
        },
      };
    });
    const sink = recorder();
    assert.doesNotThrow(() => decoderFor(parser, sink).add("x"));
    assert.equal(sink.errors.length, 1);
  });

  it("garbage emitted is refused; a packet whose getters throw too", () => {
    for (const garbage of [undefined, "2", 42, { type: 2 }, { type: 2, nsp: "/", data: "e" }]) {
      const { parser } = fakeParser((_frame, emit) => emit(garbage));
      const sink = recorder();
      decoderFor(parser, sink).add("x");
      assert.deepEqual(sink.packets, []);
      assert.equal(sink.errors.length, 1);
    }
    const trap = {
      get type(): number {
        throw new Error("trap");
      },
    };
    const { parser } = fakeParser((_frame, emit) => emit(trap));
    const sink = recorder();
    assert.doesNotThrow(() => decoderFor(parser, sink).add("x"));
    assert.match(sink.errors[0], /trap/);
  });

  it("several packets from one frame arrive in order; after a bad one, nothing more", () => {
    const { parser } = fakeParser((_frame, emit) => {
      emit({ type: 2, nsp: "/", data: ["a"] });
      emit({ type: 2, nsp: "/", data: ["b"] });
      emit({ type: 2, nsp: "/", data: "bad" });
      emit({ type: 2, nsp: "/", data: ["c"] });
    });
    const sink = recorder();
    decoderFor(parser, sink).add("x");
    assert.deepEqual(sink.packets.map((p) => (p.data as string[])[0]), ["a", "b"]);
    assert.equal(sink.errors.length, 1);
  });

  it("packets emitted later (outside add) arrive; none after destroy", () => {
    const { parser, state } = fakeParser(() => {});
    const sink = recorder();
    const decoder = decoderFor(parser, sink);
    decoder.add("x");
    state.emit({ type: 2, nsp: "/", data: ["late"] });
    assert.deepEqual(sink.packets.map((p) => p.data), [["late"]]);
    decoder.destroy();
    state.emit({ type: 2, nsp: "/", data: ["after"] });
    decoder.add("y");
    assert.equal(sink.packets.length, 1);
    assert.equal(state.destroyed, 1);
    assert.deepEqual(state.frames, ["x"]);
  });

  it("an exception of the sink is not taken for the parser's", () => {
    const { parser } = fakeParser((_frame, emit) => emit({ type: 2, nsp: "/", data: ["a"] }));
    const errors: string[] = [];
    const decoder = decoderFor(parser, {
      packet: () => {
        throw new Error("handler bug");
      },
      error: (e) => errors.push(e),
    });
    assert.throws(() => decoder.add("x"), /handler bug/);
    assert.deepEqual(errors, []);
  });

  it("a parser that does not write msgpack gets binary frames unchecked", () => {
    const { parser, state } = fakeParser(() => {});
    decoderFor(parser, recorder()).add(new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0x00]));
    assert.equal(state.frames.length, 1);
  });

  it("binary frames reach the decoder as Node Buffers over the same bytes, where Buffer exists", () => {
    const { parser, state } = fakeParser(() => {});
    decoderFor(parser, recorder()).add(new Uint8Array([9, 1, 2, 3]).subarray(1));
    const given = state.frames[0] as Uint8Array;
    const NodeBuffer = (globalThis as { Buffer?: { isBuffer(v: unknown): boolean } }).Buffer;
    if (NodeBuffer) assert.ok(NodeBuffer.isBuffer(given));
    assert.deepEqual([...given], [1, 2, 3]);
  });
});
