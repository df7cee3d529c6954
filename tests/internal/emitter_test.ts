/** The emitter keeps a few events in a small list and more in a Map; both behave the same. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Emitter } from "../../src/_internal/emitter.ts";

type Events = Record<string, unknown[]>;

describe("Emitter", () => {
  it("calls the listeners of each event, past the switch to a Map", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) emitter.on(`e${i}`, (value) => seen.push(`e${i}:${value}`));
    for (let i = 0; i < 12; i++) assert.equal(emitter.emit(`e${i}`, i), true);
    assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => `e${i}:${i}`));
    emitter.off("e3");
    assert.equal(emitter.listenerCount("e3"), 0);
    assert.equal(emitter.emit("e3", 0), false);
  });

  it("removes one listener, then the event, in the small list", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const a = () => seen.push("a");
    const b = () => seen.push("b");
    emitter.on("x", a).on("y", b).on("x", b);
    emitter.off("x", a);
    emitter.emit("x");
    assert.deepEqual(seen, ["b"]);
    emitter.off("x", b);
    assert.equal(emitter.emit("x"), false);
    assert.equal(emitter.emit("y"), true);
    assert.equal(emitter.emit("constructor"), false, "no inherited names");
  });

  it("a listener added or removed during an emit counts from the next one", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const late = () => seen.push("late");
    const first = () => {
      seen.push("first");
      emitter.on("x", late);
      emitter.off("x", second);
    };
    const second = () => seen.push("second");
    emitter.on("x", first).on("x", second);
    emitter.emit("x");
    assert.deepEqual(seen, ["first", "second"]);
    emitter.emit("x");
    assert.deepEqual(seen, ["first", "second", "first", "late"]);
  });

  it("once: called one time", () => {
    const emitter = new Emitter<Events>();
    let calls = 0;
    emitter.once("z", () => calls++);
    emitter.emit("z");
    assert.equal(emitter.emit("z"), false);
    assert.equal(calls, 1);
  });
});
