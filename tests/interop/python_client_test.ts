/**
 * python-socketio (Debian's python3-socketio, a client nobody here wrote) against the
 * conformance fixture on each runtime, in all three transport modes: connect with auth,
 * acknowledgements, binary, and a 48-level document (95 JSON levels) echoed back whole.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  fixtureCommand,
  type FixtureRuntime,
  type SpawnedFixture,
  spawnFixture,
} from "../_helpers/spawn_fixture.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./python_client.py", import.meta.url));

/** Whether Debian's python3 has python-socketio (CI installs it; elsewhere the test skips). */
function pythonSocketIo(): Promise<boolean> {
  if (!existsSync(PYTHON)) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(PYTHON, ["-c", "import socketio, requests, websocket"], (error) => resolve(!error));
  });
}

function runClient(
  url: string,
  transports: string,
  depth: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [SCRIPT, url, transports, String(depth)],
      { timeout: 30_000 },
      (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve(JSON.parse(out));
      },
    );
  });
}

const available = await pythonSocketIo();
const ciMissing = !available && (globalThis as { process?: { env: Record<string, string> } })
      .process?.env.CI === "true";
if (ciMissing) {
  throw new Error("CI must install python3-socketio, python3-requests, python3-websocket");
}

const modes = [
  { transports: "polling", transport: "polling" },
  { transports: "websocket", transport: "websocket" },
  { transports: "polling,websocket", transport: "websocket" },
];

for (const runtime of ["deno", "bun"] as FixtureRuntime[]) {
  const skip = !available
    ? "python3-socketio is not installed (apt-get install python3-socketio python3-requests python3-websocket)"
    : fixtureCommand(runtime)
    ? false
    : `${runtime} is not available`;
  describe(`python-socketio against the fixture on ${runtime}`, { skip }, () => {
    let fixture: SpawnedFixture;
    before(async () => {
      fixture = await spawnFixture(runtime);
    });
    after(() => fixture?.stop());

    for (const { transports, transport } of modes) {
      it(`connects, acknowledges, gets binary and a deep document (${transports})`, async () => {
        const seen = await runClient(`http://127.0.0.1:${fixture.port}`, transports, 48);
        assert.deepEqual(seen, {
          transport,
          auth: { from: "python" },
          ack: ["hello", 7],
          binary: { buf: [1, 2, 3, 4], text: "ok" },
          echoedDepth: 95,
          echoedSame: true,
          nsp: "/",
        });
      });
    }
  });
}
