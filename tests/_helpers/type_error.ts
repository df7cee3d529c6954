import assert from "node:assert/strict";

/** The message of the TypeError `run` throws; fails the test when it throws nothing or else. */
export function typeErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected a TypeError, nothing was thrown");
}
