/**
 * examples/chat-socketio (socket.io's chat demo ported by changing its import line) as a
 * socket.io-client sees it: the page and the client bundle over HTTP, and the demo's events.
 * The same tests run against the example on Deno and against its copy with the import put back
 * to `socket.io` 4.8 on Node, the reference (tests/browser/chat_socketio_browser_test.ts runs
 * the example on Deno, Bun and Node behind chromium). A watcher socket that never logs in sees
 * every broadcast, so each test ends with the count back at 0, seen.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  client,
  closeSockets,
  connect,
  nextEvent,
  record,
  ROOT,
  type RunningExample,
  type Socket,
  startExample,
} from "./example_process.ts";
import { referenceSkip, startOnSocketIo } from "./socketio_reference.ts";

const servers = [
  {
    name: "examples/chat-socketio on the compat Server (Deno)",
    start: () => startExample("chat-socketio"),
    skip: false as const,
  },
  {
    name: "examples/chat-socketio with its import put back to socket.io 4.8 (Node)",
    start: () => startOnSocketIo("chat-socketio"),
    skip: referenceSkip(),
  },
];

for (const server of servers) {
  describe(server.name, { skip: server.skip }, () => chatDemoTests(server.start));
}

function chatDemoTests(start: () => Promise<RunningExample>): void {
  let chat: RunningExample;
  let watcher: Socket;

  after(async () => {
    closeSockets();
    await chat?.stop();
  });

  // not a `before` hook: bun gives hooks 5 s whatever their options say
  it("starts, and a watcher connects", { timeout: 30_000 }, async () => {
    chat = await start();
    watcher = await connect(chat.url);
  });

  it("serves socket.io's page as it is and the client bundle at /socket.io/socket.io.js", async () => {
    const page = await fetch(chat.url);
    assert.equal(page.status, 200);
    const kept = readFileSync(join(ROOT, "examples/chat-socketio/public/index.html"), "utf8");
    assert.equal(await page.text(), kept);
    assert.match(kept, /<script src="\/socket\.io\/socket\.io\.js"><\/script>/);
    for (const asset of ["/main.js", "/style.css"]) {
      const response = await fetch(chat.url + asset);
      assert.equal(response.status, 200, asset);
      assert.ok((await response.text()).length > 0, asset);
    }
    const bundle = await fetch(`${chat.url}/socket.io/socket.io.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get("content-type") ?? "", /application\/javascript/);
    assert.match(bundle.headers.get("etag") ?? "", /^"4\.\d+\.\d+"$/);
    assert.match(await bundle.text(), /Socket\.IO v4\./);
  });

  it("counts who logged in and tells the others who joined, wrote, typed and left", async () => {
    const ada = await connect(chat.url);
    ada.emit("add user", "ada");
    assert.deepEqual(await nextEvent(ada, "login"), [{ numUsers: 1 }]);

    const bob = await connect(chat.url);
    const adaSeesBob = nextEvent(ada, "user joined");
    bob.emit("add user", "bob");
    assert.deepEqual(await nextEvent(bob, "login"), [{ numUsers: 2 }]);
    assert.deepEqual(await adaSeesBob, [{ username: "bob", numUsers: 2 }]);

    const bobGot = record(bob, "new message");
    const adaGets = nextEvent(ada, "new message");
    bob.emit("new message", "hi ada");
    assert.deepEqual(await adaGets, [{ username: "bob", message: "hi ada" }]);
    const bobGets = nextEvent(bob, "new message");
    ada.emit("new message", "hello bob");
    await bobGets;
    // a broadcast skips its sender: bob got ada's message and not his own
    assert.deepEqual(bobGot, [{ username: "ada", message: "hello bob" }]);

    const typing = nextEvent(ada, "typing");
    bob.emit("typing");
    assert.deepEqual(await typing, [{ username: "bob" }]);
    const stopped = nextEvent(ada, "stop typing");
    bob.emit("stop typing");
    assert.deepEqual(await stopped, [{ username: "bob" }]);

    // the watcher hears it too, on its own connection: wait for both before ada leaves
    const leaveHeard = [nextEvent(ada, "user left"), nextEvent(watcher, "user left")];
    bob.close();
    for (const heard of leaveHeard) {
      assert.deepEqual(await heard, [{ username: "bob", numUsers: 1 }]);
    }
    const watcherSeesLeave = nextEvent(watcher, "user left");
    ada.close();
    assert.deepEqual(await watcherSeesLeave, [{ username: "ada", numUsers: 0 }]);
  });

  it("takes events before a login and a second login without counting anyone twice", async () => {
    const eve = await connect(chat.url);
    const early = nextEvent(watcher, "new message");
    eve.emit("new message", "early");
    // no username yet: socket.io's JSON leaves the undefined field out, and so does this server
    assert.deepEqual(await early, [{ message: "early" }]);

    const logins = record(eve, "login");
    const joins = record(watcher, "user joined");
    eve.emit("add user", "eve");
    eve.emit("add user", "eve again");
    const afterLogin = nextEvent(watcher, "new message");
    eve.emit("new message", "after");
    assert.deepEqual(await afterLogin, [{ username: "eve", message: "after" }]);
    assert.deepEqual(logins, [{ numUsers: 1 }]);
    assert.deepEqual(joins, [{ username: "eve", numUsers: 1 }]);

    // a socket that leaves without logging in changes no count
    const fay = await connect(chat.url);
    fay.close();
    const gus = client(chat.url);
    gus.emit("add user", "gus");
    assert.deepEqual(await nextEvent(gus, "login"), [{ numUsers: 2 }]);

    const leaves = record(watcher, "user left");
    const gusLeft = nextEvent(watcher, "user left");
    gus.close();
    await gusLeft;
    const eveLeft = nextEvent(watcher, "user left");
    eve.close();
    await eveLeft;
    assert.deepEqual(leaves, [
      { username: "gus", numUsers: 1 },
      { username: "eve", numUsers: 0 },
    ]);
  });
}
