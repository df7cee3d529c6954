// The chat page's script. `io` comes from /socket.io.min.js (the socket.io-client bundle).
// Everything the server sends is shown with textContent, never parsed as HTML.
"use strict";

const socket = globalThis.io(); // same origin, path /socket.io/
const $ = (id) => document.getElementById(id);
const typingNow = new Set(); // nicknames typing in the room
let me = null; // { nickname, room } once joined
let typingTimer;

socket.on("connect", () => {
  if (me) join(me.nickname, me.room); // a new connection has no room: join again
  else setStatus("connected — pick a nickname");
});
socket.on("disconnect", () => setStatus("disconnected, reconnecting…"));

$("join-form").addEventListener("submit", (event) => {
  event.preventDefault();
  join($("nickname").value, $("room").value);
});

async function join(nickname, room) {
  let reply;
  try {
    reply = await socket.timeout(5000).emitWithAck("join", { nickname, room });
  } catch {
    return setStatus("the server did not answer; try again");
  }
  if (reply.error) return setStatus(reply.error);
  const moved = !me || me.room !== reply.room;
  me = { nickname: reply.nickname, room: reply.room };
  setStatus(`${me.nickname} in #${me.room}`);
  $("room-name").textContent = `#${me.room}`;
  $("text").disabled = $("send").disabled = false;
  $("text").placeholder = `message #${me.room}`;
  if (moved) {
    $("messages").replaceChildren();
    typingNow.clear();
    showTyping();
  }
  notice(`you joined #${me.room} as ${me.nickname}`);
  showUsers(reply.users);
  $("text").focus();
}

$("message-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!me || text.trim() === "") return;
  $("text").value = "";
  stopTyping();
  const item = addMessage({ from: me.nickname, text }, true);
  const receipt = item.querySelector(".receipt");
  try {
    const reply = await socket.timeout(5000).emitWithAck("message", text);
    if (reply.error) throw new Error(reply.error);
    receipt.textContent = "✓ delivered";
    receipt.title = `delivered at ${new Date(reply.at).toLocaleTimeString()}`;
    receipt.classList.add("delivered");
    item.dataset.id = reply.id;
  } catch (error) {
    receipt.textContent = "✗ not delivered";
    receipt.title = error.message;
    receipt.classList.add("failed");
  }
});

// typing indicator: "true" on the first keystroke, "false" after 1.5 s without one
$("text").addEventListener("input", () => {
  if (typingTimer === undefined) socket.emit("typing", true);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 1500);
});

function stopTyping() {
  if (typingTimer === undefined) return;
  clearTimeout(typingTimer);
  typingTimer = undefined;
  socket.emit("typing", false);
}

socket.on("message", (message) => {
  typingNow.delete(message.from);
  showTyping();
  addMessage(message, false).dataset.id = message.id;
});

socket.on("typing", ({ nickname, typing }) => {
  if (typing) typingNow.add(nickname);
  else typingNow.delete(nickname);
  showTyping();
});

socket.on("presence", ({ kind, nickname, users }) => {
  if (kind === "left") typingNow.delete(nickname);
  showTyping();
  notice(`${nickname} ${kind} the room`);
  showUsers(users);
});

/** Appends a message (with a receipt when it is mine) and returns its list item. */
function addMessage({ from, text }, mine) {
  const item = element("li", "", { testid: "message", className: mine ? "mine" : "" });
  item.append(
    element("span", from, { testid: "message-from", className: "from" }),
    element("span", text, { testid: "message-text" }),
  );
  if (mine) item.append(element("span", "sending…", { testid: "receipt", className: "receipt" }));
  append(item);
  return item;
}

function notice(text) {
  append(element("li", text, { testid: "notice", className: "notice" }));
}

function append(item) {
  const list = $("messages");
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function showUsers(users) {
  $("users").replaceChildren(
    ...users.map((name) => element("li", name, { testid: "user" })),
  );
}

function showTyping() {
  const names = [...typingNow];
  $("typing").textContent = names.length === 0
    ? ""
    : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
}

function setStatus(text) {
  $("status").textContent = text;
}

function element(tag, text, { testid, className }) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (testid) node.dataset.testid = testid;
  if (className) node.className = className;
  return node;
}
