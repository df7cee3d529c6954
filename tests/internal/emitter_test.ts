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

  it("a lone listener (held without a list) keeps the same rules", () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const late = () => seen.push("late");
    const lone = () => {
      seen.push("lone");
      emitter.on("x", late);
    };
    emitter.on("x", lone);
    assert.equal(emitter.listenerCount("x"), 1);
    emitter.emit("x");
    assert.deepEqual(seen, ["lone"], "added during the emit: heard from the next one");
    assert.equal(emitter.listenerCount("x"), 2);
    emitter.off("x", lone);
    emitter.emit("x");
    assert.deepEqual(seen, ["lone", "late"]);
    emitter.off("x", lone);
    assert.equal(emitter.listenerCount("x"), 1, "removing an absent listener changes nothing");
    emitter.on("y", lone).on("y", lone);
    assert.equal(emitter.listenerCount("y"), 2, "the same listener twice is called twice");
    emitter.off("y");
    assert.equal(emitter.emit("y"), false);
  });

  it("reports a lone listener's throw and rejection, and its promise", async () => {
    const errors: unknown[] = [];
    const work: PromiseLike<unknown>[] = [];
    const emitter = new Emitter<Events>((error) => errors.push(error), (p) => work.push(p));
    emitter.on("t", () => {
      throw new Error("sync");
    });
    emitter.on("r", () => Promise.reject(new Error("async")));
    assert.equal(emitter.emit("t"), true);
    emitter.emit("r");
    await Promise.allSettled(work);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(errors.map((error) => (error as Error).message), ["sync", "async"]);
  });

  it("calls listeners with the emitter's `self` as `this`", () => {
    const self = { name: "socket" };
    const emitter = new Emitter<Events>(undefined, undefined, self);
    const seen: unknown[] = [];
    emitter.on("d", function (this: unknown) {
      seen.push(this);
    });
    emitter.emit("d");
    emitter.on("d", function (this: unknown) {
      seen.push(this);
    });
    emitter.emit("d");
    assert.deepEqual(seen, [self, self, self]);
  });
});
