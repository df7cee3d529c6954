/**
 * The Socket.IO Admin UI's own built page (`ui/dist` of `@socket.io/admin-ui`), served by
 * examples/admin on 127.0.0.1, in Debian's chromium driven by playwright-core: it logs in
 * through the page's connection form (a wrong password first: refused), then sees a test client's socket and room appear and
 * disappear, and disconnects a client with the page's button. Requests the page makes to the
 * internet (web fonts, icon CSS) are answered 404 locally. Saves screenshots to
 * artifacts/browser/. Runs under `deno test` and `bun test`.
 *
 * Skipped when /usr/bin/chromium is missing, unless CI=true: then it fails, since CI installs
 * chromium (.ci/tools.sh).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import {
  closeSockets,
  connect,
  nextEvent,
  type RunningExample,
  startExample,
  WAIT_MS,
} from "../examples/example_process.ts";
import { launchChromium, screenshotFolder, skipWithoutChromium } from "./chromium.ts";

const skip = skipWithoutChromium;

/** How long one browser step may wait (the Admin UI page is heavier than the chat's). */
const STEP_MS = 8000;

describe("the Admin UI page in chromium", () => {
  let example: RunningExample | undefined;
  let browser: Browser | undefined;

  after(async () => {
    closeSockets();
    await browser?.close().catch(() => {});
    await example?.stop();
  });

  it("logs in, sees a client's socket and room come and go, disconnects a client", {
    skip,
    timeout: 60_000,
  }, async () => {
    const launching = launchChromium();
    [example, browser] = await Promise.all([startExample("admin"), launching]);
    const url = example.url;

    // a client of the main namespace before the login, so the UI opens on "/"
    const first = await connect(url);
    const firstId = first.id!;
    const page = await openUi(browser, url);
    await fillForm(page, url, "not the password");
    await page.getByRole("button", { name: "Connect" }).click();
    await visible(page, "Invalid credentials");
    await page.getByLabel("Password").fill("changeit");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByLabel("Server URL").waitFor({ state: "hidden" });
    // the dashboard: this server's report, with the client counted
    await page.goto(`${url}/admin-ui/#/servers/`);
    await page.locator("td", { hasText: "#" }).first().waitFor();
    await page.goto(`${url}/admin-ui/#/`);
    await screenshot(page, "admin-dashboard.png");

    await page.goto(`${url}/admin-ui/#/sockets/`);
    await visible(page, firstId);

    // a second client arrives and joins a room
    const second = await connect(url);
    const secondId = second.id!;
    await visible(page, secondId);
    await second.timeout(WAIT_MS).emitWithAck("join", "lobby");
    await page.goto(`${url}/admin-ui/#/rooms/`);
    await visible(page, "lobby");
    await screenshot(page, "admin-rooms.png");

    // it leaves the room, then disconnects: both go from the page
    await second.timeout(WAIT_MS).emitWithAck("leave", "lobby");
    await gone(page, "lobby");
    await page.goto(`${url}/admin-ui/#/sockets/`);
    second.disconnect();
    await gone(page, secondId);

    // the page's disconnect button on the first client's row
    await screenshot(page, "admin-sockets.png");
    const disconnected = nextEvent(first, "disconnect", STEP_MS);
    await page.locator("tr", { hasText: firstId }).locator("button").click();
    assert.deepEqual((await disconnected)[0], "io server disconnect");
    // the click also opened the socket's details (the row's own click): back to the list
    await page.goto(`${url}/admin-ui/#/sockets/`);
    await gone(page, firstId);
  });
});

/** Opens the UI in a fresh context whose requests outside 127.0.0.1 are answered 404. */
async function openUi(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route("**/*", (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === "127.0.0.1") return route.continue();
    return route.fulfill({ status: 404, body: "" });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.goto(`${url}/admin-ui/`);
  return page;
}

/** Fills the connection form: server URL, credentials, admin namespace (advanced options). */
async function fillForm(page: Page, url: string, password: string): Promise<void> {
  await page.getByLabel("Server URL").fill(url);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByText("Advanced options").click();
  await page.getByLabel("Admin namespace").fill("/admin");
  await screenshot(page, "admin-login.png");
}

async function visible(page: Page, text: string): Promise<void> {
  await page.getByText(text, { exact: true }).first().waitFor({ state: "visible" });
}

async function gone(page: Page, text: string): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  while (await page.getByText(text, { exact: true }).count() > 0) {
    if (Date.now() > deadline) assert.fail(`"${text}" is still on the page`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotFolder(), name) });
}
