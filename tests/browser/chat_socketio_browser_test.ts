/**
 * socket.io's own chat demo, ported by changing its import line (examples/chat-socketio), end to
 * end in Debian's chromium: its unchanged page (jQuery + /socket.io/socket.io.js from the compat
 * Server's serveClient) in two browser contexts, the server in a child process on Deno, Bun and
 * Node, and once more on socket.io 4.8 itself (the import line put back) to show the expectations
 * are socket.io's. Screenshots go to artifacts/browser/. Runs under `deno test` and `bun test`.
 *
 * The page loads jQuery 1.10.2 from its CDN; this machine reaches no CDN, so the browser is given
 * the `jquery` npm package (1.12.4, the last of the 1.x line) for that URL instead.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import {
  exampleCommand,
  ROOT,
  type RunningExample,
  startExample,
} from "../examples/example_process.ts";
import { referenceSkip, startOnSocketIo } from "../examples/socketio_reference.ts";
import type { FixtureRuntime } from "../_helpers/spawn_fixture.ts";
import {
  eventually,
  launchChromium,
  screenshotFolder,
  skipWithoutChromium,
  STEP_MS,
} from "./chromium.ts";

const EXAMPLE = "chat-socketio";
const JQUERY = join(ROOT, "node_modules", "jquery", "dist", "jquery.min.js");
const WELCOME = "Welcome to Socket.IO Chat – ";

/** One person's page, with what the test watches of it. */
interface ChatPage {
  readonly page: Page;
  /** Uncaught errors of the page's scripts. */
  readonly errors: string[];
  /** Resolves once the socket.io client finished its upgrade to WebSocket. */
  readonly upgraded: Promise<void>;
}

/** Where the page is served from: the example on each runtime, then socket.io itself. */
const servers: { name: string; start: () => Promise<RunningExample>; skip: string | false }[] = [
  ...(["deno", "bun", "node"] as FixtureRuntime[]).map((runtime) => ({
    name: runtime,
    start: () => startExample(EXAMPLE, runtime),
    skip: exampleCommand(EXAMPLE, runtime) ? false as const : "SIO_TSX_LOADER is not set",
  })),
  // the same scenario's expectations hold on socket.io 4.8 (the import line put back)
  { name: "socket.io", start: () => startOnSocketIo(EXAMPLE), skip: referenceSkip() },
];

describe("socket.io's chat demo ported to the compat Server, in chromium", () => {
  let browser: Browser | undefined;
  let chat: RunningExample | undefined;

  after(async () => {
    await browser?.close().catch(() => {});
    await chat?.stop();
  });

  for (const server of servers) {
    it(`served by ${server.name}: two people log in, see the count, type, chat, and one leaves`, {
      skip: skipWithoutChromium || server.skip,
      timeout: 45_000,
    }, async () => {
      const launching = browser ? Promise.resolve(browser) : launchChromium();
      [chat, browser] = await Promise.all([server.start(), launching]);
      try {
        await chatScenario(browser, chat.url, server.name);
      } finally {
        await chat.stop();
        chat = undefined;
      }
    });
  }
});

async function chatScenario(browser: Browser, url: string, runtime: string): Promise<void> {
  // bob opens the page after ada logged in: a page already connected would also log "ada joined"
  const ada = await openChat(browser, url);
  await logIn(ada, "ada");
  await logsAre(ada, [WELCOME, "there's 1 participant"]);
  const bob = await openChat(browser, url);
  await logIn(bob, "bob");
  await logsAre(bob, [WELCOME, "there are 2 participants"]);
  await logsAre(ada, [WELCOME, "there's 1 participant", "bob joined", "there are 2 participants"]);

  // over WebSocket, closing a page is seen at once (polling would wait for the ping timeout)
  await upgraded(ada);
  await upgraded(bob);

  const input = (person: ChatPage) => person.page.locator(".inputMessage");
  await input(bob).pressSequentially("hi ada");
  await typingAre(ada, ["bob"]);
  await input(bob).press("Enter");
  await messagesAre(ada, [["bob", "hi ada"]]);
  await typingAre(ada, []);
  await messagesAre(bob, [["bob", "hi ada"]]);

  await input(ada).fill("hello bob");
  await input(ada).press("Enter");
  await messagesAre(bob, [["bob", "hi ada"], ["ada", "hello bob"]]);
  await messagesAre(ada, [["bob", "hi ada"], ["ada", "hello bob"]]);

  // typing, then a pause longer than the page's 400 ms: "typing", then "stop typing"
  const folder = screenshotFolder();
  await input(bob).pressSequentially("see you");
  await typingAre(ada, ["bob"]);
  await ada.page.screenshot({ path: join(folder, `chat-socketio-${runtime}-typing.png`) });
  await typingAre(ada, []);

  await bob.page.screenshot({ path: join(folder, `chat-socketio-${runtime}-bob.png`) });
  await bob.page.context().close();
  await logsAre(ada, [
    WELCOME,
    "there's 1 participant",
    "bob joined",
    "there are 2 participants",
    "bob left",
    "there's 1 participant",
  ]);
  await ada.page.screenshot({ path: join(folder, `chat-socketio-${runtime}.png`) });

  assert.deepEqual(ada.errors, []);
  assert.deepEqual(bob.errors, []);
  await ada.page.context().close();
}

/** Opens the page in a new browser context (a separate person), jQuery served locally. */
async function openChat(browser: Browser, url: string): Promise<ChatPage> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  await context.route(
    "https://code.jquery.com/**",
    (route) =>
      route.fulfill({ path: JQUERY, contentType: "application/javascript; charset=utf-8" }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // the client's last upgrade step is the UPGRADE packet ("5") sent over the new WebSocket
  const upgraded = new Promise<void>((resolve) => {
    page.on("websocket", (ws) => {
      if (!ws.url().includes("/socket.io/")) return;
      ws.on("framesent", (frame) => {
        if (frame.payload === "5") resolve();
      });
    });
  });
  await page.goto(url);
  await page.locator(".usernameInput").waitFor();
  return { page, errors, upgraded };
}

async function logIn(person: ChatPage, nickname: string): Promise<void> {
  await person.page.locator(".usernameInput").fill(nickname);
  await person.page.locator(".usernameInput").press("Enter");
  await person.page.locator(".chat.page").waitFor();
}

async function upgraded(person: ChatPage): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no upgrade to WebSocket")), STEP_MS);
  });
  await Promise.race([person.upgraded, late]).finally(() => clearTimeout(timer));
}

/** The page's log lines (joins, leaves, participant counts) are exactly these. */
async function logsAre(person: ChatPage, lines: string[]): Promise<void> {
  await eventually(
    () => person.page.locator(".messages li.log").allTextContents(),
    lines,
    "the log lines",
  );
}

/** The chat messages shown, as [username, text], are exactly these. */
async function messagesAre(person: ChatPage, messages: [string, string][]): Promise<void> {
  await eventually(
    () =>
      person.page.locator(".messages li.message:not(.typing)").evaluateAll((items) =>
        items.map((item) => [
          item.querySelector(".username")?.textContent,
          item.querySelector(".messageBody")?.textContent,
        ])
      ),
    messages,
    "the messages",
  );
}

/** The people shown as "is typing" are exactly these. */
async function typingAre(person: ChatPage, usernames: string[]): Promise<void> {
  await eventually(
    () =>
      person.page.locator(".messages li.message.typing").evaluateAll((items) =>
        items.map((item) => {
          const body = item.querySelector(".messageBody")?.textContent;
          return `${item.querySelector(".username")?.textContent} ${body}`;
        })
      ),
    usernames.map((name) => `${name} is typing`),
    "who is typing",
  );
}
