/**
 * A broadcast with acknowledgements that times out stops waiting on every socket that did not
 * answer, so one client that never answers cannot keep the broadcast's callback and its
 * responses in memory: a late answer finds nothing waiting for it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "../../mod.ts";
import { createTestClient } from "../../testing.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

describe("broadcast acknowledgements past their timeout", () => {
  const records: LogRecord[] = [];
  before(() => captureLogs(records, ["sio", "server"], "debug"));
  after(() => stopCapturingLogs());

  it("a late answer after the timeout finds no pending acknowledgement", async () => {
    const io = createServer();
    try {
      const quick = await createTestClient(io);
      const slow = await createTestClient(io);
      quick.on("question", (answer: (value: string) => void) => answer("quick"));
      slow.on("question", (answer: (value: string) => void) => {
        setTimeout(() => answer("slow"), 120);
      });
      await assert.rejects(io.timeout(40).emitWithAck("question"), {
        message: "operation has timed out",
      });
      records.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 150));
      const unknown = records.filter((record) =>
        record.message.join("") === "acknowledgement for an unknown id"
      );
      assert.equal(unknown.length, 1, "the silent socket no longer waits for its answer");
    } finally {
      await io.close();
    }
  });
});
