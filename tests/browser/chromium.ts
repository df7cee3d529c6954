/**
 * What the browser tests share: Debian's chromium launched through playwright-core, the skip
 * rule (skipped when /usr/bin/chromium is missing, unless CI=true: then it fails, since CI
 * installs chromium in .ci/tools.sh), a bounded poll, and the screenshot folder.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type Browser, chromium } from "playwright-core";
import { ROOT } from "../examples/example_process.ts";

/** Debian's chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The `skip` option of a browser test: a reason when chromium is missing outside CI. */
export const skipWithoutChromium: string | false = !existsSync(CHROMIUM) &&
    process.env.CI !== "true"
  ? `${CHROMIUM} is missing (apt-get install -y chromium); CI=true makes this a failure`
  : false;

/** How long one browser step may wait. */
export const STEP_MS = 5000;

/** Launches headless chromium; fails with the install hint when it is missing. */
export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 15_000,
    // playwright gives every launch a fresh temporary profile (--user-data-dir) and deletes it
    // on close
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Polls `read` until it returns `want` (compared as JSON); fails after STEP_MS. */
export async function eventually<T>(read: () => Promise<T>, want: T, what: string): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  let actual = await read();
  while (JSON.stringify(actual) !== JSON.stringify(want)) {
    if (Date.now() > deadline) {
      assert.fail(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(want)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    actual = await read();
  }
}

/** artifacts/browser/, created when missing. */
export function screenshotFolder(): string {
  const folder = join(ROOT, "artifacts", "browser");
  mkdirSync(folder, { recursive: true });
  return folder;
}
