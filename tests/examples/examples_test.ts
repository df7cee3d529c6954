/**
 * The examples as users run them: each `examples/<name>/main.ts` runs in a Deno child process
 * on a free port, and the real socket.io-client talks to it (under `deno test` and `bun test`).
 * Each example starts in a `before` hook: bun gives hooks 5 s whatever their options say, and
 * an example starts in well under a second once `deno install` has cached its modules.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  client,
  closeSockets,
  connect,
  nextEvent,
  record,
  type RunningExample,
  startExample,
  WAIT_MS,
} from "./example_process.ts";

describe("examples/chat", () => {
  let chat: RunningExample;

  before(async () => {
    chat = await startExample("chat");
  });

  after(async () => {
    closeSockets();
    await chat?.stop();
  });

  it("serves the page, its assets and the socket.io client bundle from the same app", async () => {
    const page = await fetch(chat.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const html = await page.text();
    assert.match(html, /<script src="\/socket\.io\.min\.js">/);
    assert.match(html, /data-testid="nickname"/);
    for (const asset of ["/app.js", "/style.css", "/socket.io.min.js"]) {
      const response = await fetch(chat.url + asset);
      assert.equal(response.status, 200, asset);
      assert.ok((await response.text()).length > 0, asset);
    }
  });

  it("confirms the nickname and room in the join acknowledgement and refuses bad names", async () => {
    const ada = await connect(chat.url);
    assert.deepEqual(await ada.timeout(WAIT_MS).emitWithAck("join", { nickname: " ", room: "x" }), {
      error: "nickname must be 1 to 24 characters",
    });
    assert.deepEqual(await ada.timeout(WAIT_MS).emitWithAck("message", "too early"), {
      error: "join a room first",
    });
    const joined = await ada.timeout(WAIT_MS).emitWithAck("join", {
      nickname: " ada ",
      room: "first",
    });
    assert.deepEqual(joined, { nickname: "ada", room: "first", users: ["ada"] });
    ada.close();
  });

  it("delivers a message to the room, acknowledges a receipt, and announces joins and leaves", async () => {
    const ada = await connect(chat.url);
    const bob = await connect(chat.url);
    await ada.timeout(WAIT_MS).emitWithAck("join", { nickname: "ada", room: "lobby" });
    const adaHears = nextEvent(ada, "presence");
    const bobJoined = await bob.timeout(WAIT_MS).emitWithAck("join", {
      nickname: "bob",
      room: "lobby",
    });
    assert.deepEqual(bobJoined, { nickname: "bob", room: "lobby", users: ["ada", "bob"] });
    assert.deepEqual(await adaHears, [{ kind: "joined", nickname: "bob", users: ["ada", "bob"] }]);

    const bobGets = nextEvent(bob, "message");
    const receipt = await ada.timeout(WAIT_MS).emitWithAck("message", "hello bob");
    assert.equal(typeof receipt.id, "string");
    assert.equal(typeof receipt.at, "number");
    const [message] = await bobGets;
    assert.deepEqual(message, { id: receipt.id, from: "ada", text: "hello bob", at: receipt.at });

    const adaSeesLeave = nextEvent(ada, "presence");
    bob.close();
    assert.deepEqual(await adaSeesLeave, [{ kind: "left", nickname: "bob", users: ["ada"] }]);
    ada.close();
  });

  it("keeps messages inside their room", async () => {
    const ada = await connect(chat.url);
    const cy = await connect(chat.url);
    const dee = await connect(chat.url);
    await ada.timeout(WAIT_MS).emitWithAck("join", { nickname: "ada", room: "one" });
    await cy.timeout(WAIT_MS).emitWithAck("join", { nickname: "cy", room: "two" });
    await dee.timeout(WAIT_MS).emitWithAck("join", { nickname: "dee", room: "two" });
    const cyGot = record<{ text: string }>(cy, "message");
    await ada.timeout(WAIT_MS).emitWithAck("message", "for room one");
    // the server broadcast ada's message before acknowledging it: had it reached cy, it would
    // arrive before dee's
    const next = nextEvent<[{ text: string }]>(cy, "message");
    await dee.timeout(WAIT_MS).emitWithAck("message", "for room two");
    await next;
    assert.deepEqual(cyGot.map((message) => message.text), ["for room two"]);
    for (const socket of [ada, cy, dee]) socket.close();
  });

  it("shows the room who is typing (a volatile broadcast)", async () => {
    // WebSocket only: a volatile packet is dropped while a long-poll has no open request
    const ada = await connect(chat.url, { transports: ["websocket"] });
    const bob = await connect(chat.url, { transports: ["websocket"] });
    await ada.timeout(WAIT_MS).emitWithAck("join", { nickname: "ada", room: "typing" });
    await bob.timeout(WAIT_MS).emitWithAck("join", { nickname: "bob", room: "typing" });
    const typing = nextEvent(bob, "typing");
    ada.emit("typing", true);
    assert.deepEqual(await typing, [{ nickname: "ada", typing: true }]);
    const stopped = nextEvent(bob, "typing");
    ada.emit("typing", false);
    assert.deepEqual(await stopped, [{ nickname: "ada", typing: false }]);
    ada.close();
    bob.close();
  });
});

describe("examples/auth", () => {
  let auth: RunningExample;

  before(async () => {
    auth = await startExample("auth");
  });

  after(async () => {
    closeSockets();
    await auth?.stop();
  });

  async function login(name: string): Promise<string> {
    const response = await fetch(`${auth.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    assert.equal(response.status, 200);
    const { token } = await response.json();
    assert.equal(typeof token, "string");
    return token;
  }

  it("protects GET /api/me with the bearer middleware", async () => {
    const anonymous = await fetch(`${auth.url}/api/me`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const forged = await fetch(`${auth.url}/api/me`, {
      headers: { authorization: "Bearer not-a-token" },
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    const token = await login("ada");
    const me = await fetch(`${auth.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    const user = await me.json();
    assert.equal(user.name, "ada");
  });

  it("refuses a Socket.IO connection without a token, or with an unknown one", async () => {
    for (const options of [{}, { auth: { token: "not-a-token" } }]) {
      const socket = client(auth.url, options);
      const [error] = await nextEvent<[Error & { data?: { hint?: string } }]>(
        socket,
        "connect_error",
      );
      assert.equal(error.message, "unauthorized");
      assert.match(error.data?.hint ?? "", /POST \/api\/login/);
      assert.equal(socket.connected, false);
      socket.close();
    }
  });

  it("admits a Socket.IO connection with a token from the login route", async () => {
    const token = await login("bob");
    const socket = client(auth.url, { auth: { token } });
    const [welcome] = await nextEvent(socket, "welcome");
    assert.equal(welcome, "hello bob");
    assert.equal(socket.connected, true);
    const user = await socket.timeout(WAIT_MS).emitWithAck("whoami");
    assert.equal(user.name, "bob");
    socket.close();
  });
});

describe("examples/typed", () => {
  let typed: RunningExample;

  before(async () => {
    typed = await startExample("typed");
  });

  after(async () => {
    closeSockets();
    await typed?.stop();
  });

  it("acknowledges a validation error when the zod schema refuses the value", async () => {
    const socket = await connect(typed.url, { auth: { name: "ada" } });
    assert.deepEqual(await socket.timeout(WAIT_MS).emitWithAck("todo:add", { title: "  " }), {
      error: "validation",
      issues: [{ message: "a title is required", path: ["title"] }],
    });
    const wrongType = await socket.timeout(WAIT_MS).emitWithAck("todo:add", { title: 42 });
    assert.equal(wrongType.error, "validation");
    assert.deepEqual(wrongType.issues.map((issue: { path: unknown }) => issue.path), [["title"]]);
    const badId = await socket.timeout(WAIT_MS).emitWithAck("todo:toggle", { id: "1" });
    assert.equal(badId.error, "validation");
    socket.close();
  });

  it("runs the handler with the schema's output and broadcasts to the others", async () => {
    const ada = await connect(typed.url, { auth: { name: "ada" } });
    const bob = await connect(typed.url, { auth: { name: "bob" } });
    const bobSees = nextEvent(bob, "todo:added");
    const todo = await ada.timeout(WAIT_MS).emitWithAck("todo:add", { title: "  write docs " });
    assert.equal(typeof todo.id, "number");
    assert.deepEqual(todo, {
      id: todo.id,
      title: "write docs",
      priority: "normal",
      done: false,
      by: "ada",
    });
    assert.deepEqual(await bobSees, [todo]);

    const toggled = await bob.timeout(WAIT_MS).emitWithAck("todo:toggle", { id: todo.id });
    assert.deepEqual(toggled, { ...todo, done: true });
    assert.deepEqual(await bob.timeout(WAIT_MS).emitWithAck("todo:toggle", { id: 999 }), {
      error: "no todo 999",
    });
    const list = await ada.timeout(WAIT_MS).emitWithAck("todo:list");
    assert.ok(list.some((item: { id: number; done: boolean }) => item.id === todo.id && item.done));
    ada.close();
    bob.close();
  });
});

describe("examples/admin", () => {
  let admin: RunningExample;

  before(async () => {
    admin = await startExample("admin");
  });

  after(async () => {
    closeSockets();
    await admin?.stop();
  });

  it("serves the Admin UI's page and files, and nothing outside them", async () => {
    const page = await fetch(`${admin.url}/admin-ui/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<title>Socket\.IO Admin UI<\/title>/);
    const icon = await fetch(`${admin.url}/admin-ui/favicon.png`);
    assert.equal(icon.headers.get("content-type"), "image/png");
    await icon.arrayBuffer();
    for (const path of ["/admin-ui/%2e%2e/%2e%2e/deno.json", "/admin-ui/%E0%A4%A", "/admin-ui/x"]) {
      const refused = await fetch(admin.url + path);
      assert.equal(refused.status, 404, path);
      await refused.body?.cancel();
    }
  });

  it("admits the admin with the example's password and acts on a client", async () => {
    const refused = client(`${admin.url}/admin`, { auth: { username: "admin", password: "no" } });
    const [error] = await nextEvent<[Error]>(refused, "connect_error");
    assert.equal(error.message, "invalid credentials");
    const ui = client(`${admin.url}/admin`, {
      auth: { username: "admin", password: "changeit" },
    });
    const [config] = await nextEvent(ui, "config");
    assert.ok((config as { supportedFeatures: string[] }).supportedFeatures.includes("JOIN"));
    const ada = await connect(admin.url);
    const bob = await connect(admin.url);
    // the admin puts bob in the lobby; ada, outside it, speaks to it
    const joined = await ui.timeout(WAIT_MS).emitWithAck("join", "/", "lobby", bob.id);
    assert.deepEqual(joined, { ok: true });
    const heard = nextEvent(bob, "said");
    ada.emit("say", "lobby", "hello");
    assert.deepEqual(await heard, [{ from: ada.id, text: "hello" }]);
  });
});
