/**
 * The in-memory adapter holds a socket alone in its own room as one Set shared by `sids` and
 * `rooms`; every change to either side must leave the two maps as if they had never shared.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, InMemoryAdapter } from "../../mod.ts";

function freshAdapter(): InMemoryAdapter {
  const io = createServer({ gateways: [] });
  const adapter = new InMemoryAdapter(io.of("/"));
  return adapter;
}

/** Both maps as plain arrays, sorted, for deepEqual. */
function state(adapter: InMemoryAdapter): { rooms: string[][]; sids: string[][] } {
  const flat = (map: Map<string, Set<string>>) =>
    [...map].map(([key, set]) => [key, ...[...set].sort()]).sort();
  return { rooms: flat(adapter.rooms), sids: flat(adapter.sids) };
}

describe("in-memory adapter: own rooms", () => {
  it("a socket joining another room leaves its own room as it was", () => {
    const adapter = freshAdapter();
    const events: string[] = [];
    adapter.on("create-room", (room) => events.push(`create ${room}`));
    adapter.on("join-room", (room, id) => events.push(`join ${room} ${id}`));
    adapter.on("leave-room", (room, id) => events.push(`leave ${room} ${id}`));
    adapter.on("delete-room", (room) => events.push(`delete ${room}`));
    adapter.addAll("a", new Set(["a"]));
    assert.deepEqual(events, ["create a", "join a a"]);
    assert.deepEqual(state(adapter), { rooms: [["a", "a"]], sids: [["a", "a"]] });
    adapter.addAll("a", new Set(["lobby"]));
    assert.deepEqual(state(adapter), {
      rooms: [["a", "a"], ["lobby", "a"]],
      sids: [["a", "a", "lobby"]],
    });
    adapter.del("a", "lobby");
    adapter.delAll("a");
    assert.deepEqual(state(adapter), { rooms: [], sids: [] });
    assert.deepEqual(events.slice(2), [
      "create lobby",
      "join lobby a",
      "leave lobby a",
      "delete lobby",
      "leave a a",
      "delete a",
    ]);
  });

  it("another socket joining a socket's own room changes that room only", () => {
    const adapter = freshAdapter();
    adapter.addAll("a", new Set(["a"]));
    adapter.addAll("b", new Set(["b", "a"]));
    assert.deepEqual(state(adapter), {
      rooms: [["a", "a", "b"], ["b", "b"]],
      sids: [["a", "a"], ["b", "a", "b"]],
    });
    adapter.delAll("a");
    assert.deepEqual(state(adapter), { rooms: [["a", "b"], ["b", "b"]], sids: [["b", "a", "b"]] });
    adapter.delAll("b");
    assert.deepEqual(state(adapter), { rooms: [], sids: [] });
  });

  it("a socket leaving its own room keeps the rest", () => {
    const adapter = freshAdapter();
    adapter.addAll("a", new Set(["a"]));
    adapter.del("a", "nowhere");
    assert.deepEqual(state(adapter), { rooms: [["a", "a"]], sids: [["a", "a"]] });
    adapter.del("a", "a");
    assert.deepEqual(state(adapter), { rooms: [], sids: [["a"]] });
    adapter.addAll("a", new Set(["a", "x"]));
    assert.deepEqual(state(adapter), { rooms: [["a", "a"], ["x", "a"]], sids: [["a", "a", "x"]] });
    adapter.delAll("a");
    assert.deepEqual(state(adapter), { rooms: [], sids: [] });
  });

  it("a socket's rooms read back through socketRooms", () => {
    const adapter = freshAdapter();
    adapter.addAll("a", new Set(["a"]));
    assert.deepEqual([...adapter.socketRooms("a")!], ["a"]);
    adapter.addAll("a", new Set(["r"]));
    assert.deepEqual([...adapter.socketRooms("a")!], ["a", "r"]);
    assert.deepEqual([...adapter.rooms.get("a")!], ["a"]);
  });
});
