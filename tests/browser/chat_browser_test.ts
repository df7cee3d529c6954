/**
 * The chat example end to end in a real browser: Debian's chromium driven by playwright-core,
 * two browser contexts (two people), the example in a Deno child process. Saves screenshots
 * to artifacts/browser/. Runs under `deno test` and `bun test`.
 *
 * Skipped when /usr/bin/chromium is missing, unless CI=true: then it fails, since CI installs
 * chromium (.ci/tools.sh).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { type RunningExample, startExample } from "../examples/example_process.ts";
import {
  eventually,
  launchChromium,
  screenshotFolder,
  skipWithoutChromium as skip,
  STEP_MS,
} from "./chromium.ts";

describe("chat example in chromium", () => {
  let chat: RunningExample | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close().catch(() => {});
    await chat?.stop();
  });

  it("two people join, type, exchange messages and see delivery receipts", {
    skip,
    timeout: 30_000,
  }, async () => {
    [chat, browser] = await Promise.all([startExample("chat"), launchChromium()]);

    const [ada, bob] = await Promise.all([
      openChat(browser, chat.url),
      openChat(browser, chat.url),
    ]);

    await joinAs(ada, "ada", "lobby");
    await shows(ada, "status", "ada in #lobby");
    await joinAs(bob, "bob", "lobby");
    await shows(bob, "status", "bob in #lobby");
    await shows(ada, "notice", "bob joined the room");
    await usersAre(ada, ["ada", "bob"]);
    await usersAre(bob, ["ada", "bob"]);

    // the typing indicator is volatile: wait until both pages have upgraded to WebSocket
    await upgraded(ada);
    await upgraded(bob);
    await bob.getByTestId("message-input").pressSequentially("hi ada");
    await shows(ada, "typing", "bob is typing…");
    await bob.getByTestId("send").click();
    await delivered(bob, "hi ada");
    await received(ada, "bob", "hi ada");
    await shows(ada, "typing", "");

    await ada.getByTestId("message-input").fill("hello bob");
    await ada.getByTestId("message-input").press("Enter");
    await delivered(ada, "hello bob");
    await received(bob, "ada", "hello bob");

    await bob.getByTestId("message-input").pressSequentially("see");
    await shows(ada, "typing", "bob is typing…");

    const folder = screenshotFolder();
    await ada.screenshot({ path: join(folder, "chat.png") });
    await bob.screenshot({ path: join(folder, "chat-bob.png") });
  });
});

/** Opens the chat page in a new browser context (a separate person). */
async function openChat(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.goto(url);
  await shows(page, "status", "connected — pick a nickname");
  return page;
}

async function joinAs(page: Page, nickname: string, room: string): Promise<void> {
  await page.getByTestId("nickname").fill(nickname);
  await page.getByTestId("room").fill(room);
  await page.getByTestId("join").click();
}

/** Waits until the last element with this test id has exactly this text. */
async function shows(page: Page, testid: string, text: string): Promise<void> {
  await eventually(
    async () => (await page.getByTestId(testid).allTextContents()).at(-1),
    text,
    `the last [data-testid=${testid}]`,
  );
}

async function usersAre(page: Page, users: string[]): Promise<void> {
  await eventually(() => page.getByTestId("user").allTextContents(), users, "the user list");
}

/** Waits until the socket.io client of the page talks over WebSocket. */
async function upgraded(page: Page): Promise<void> {
  await page.waitForFunction("socket.io.engine.transport.name === 'websocket'", null, {
    timeout: STEP_MS,
  });
}

/** My message with this text got its delivery receipt. */
async function delivered(page: Page, text: string): Promise<void> {
  const message = page.getByTestId("message").filter({ hasText: text }).last();
  await message.locator(".receipt.delivered").waitFor();
  assert.equal(await message.getByTestId("receipt").textContent(), "✓ delivered");
  assert.match((await message.getAttribute("data-id")) ?? "", /^[0-9a-f-]{36}$/);
}

/** Someone else's message arrived. */
async function received(page: Page, from: string, text: string): Promise<void> {
  const message = page.getByTestId("message").filter({ hasText: text }).last();
  await message.waitFor();
  assert.equal(await message.getByTestId("message-from").textContent(), from);
  assert.equal(await message.getByTestId("receipt").count(), 0);
}
