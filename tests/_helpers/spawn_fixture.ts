/**
 * Starts the conformance fixture as a child process on Deno, Bun or Node (through tsx), on a
 * free port, and stops it afterwards. Works from both `deno test` and `bun test`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { withTimeout } from "./wait.ts";

/** A runtime the fixture can run on. */
export type FixtureRuntime = "deno" | "bun" | "node";

/** A fixture running in a child process. */
export type SpawnedFixture = SpawnedServer;

const FIXTURE = "tests/fixtures/conformance_server.ts";

function processEnv(): Record<string, string | undefined> {
  return (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process.env;
}

/** The command line for a runtime, or undefined when that runtime is not available. */
export function fixtureCommand(runtime: FixtureRuntime): string[] | undefined {
  switch (runtime) {
    case "deno":
      return ["deno", "run", "-A", FIXTURE];
    case "bun":
      return ["bun", FIXTURE];
    case "node": {
      const loader = processEnv().SIO_TSX_LOADER;
      return loader ? ["node", "--import", loader, FIXTURE] : undefined;
    }
  }
}

/** A server running in a child process. */
export interface SpawnedServer {
  /** The port it listens on. */
  readonly port: number;
  /** Everything it printed. */
  output(): string;
  /** Stops the process (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Spawns a server process and resolves once its output names the port it listens on (the
 * first `http://host:PORT` with a non-zero port).
 */
export async function spawnServer(
  command: readonly string[],
  env: Record<string, string> = {},
  what = command.join(" "),
): Promise<SpawnedServer> {
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    env: { ...processEnv(), PORT: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      const onData = (chunk: Uint8Array) => {
        output += new TextDecoder().decode(chunk);
        const match = /https?:\/\/[^\s/]+:(\d+)/.exec(output);
        if (match && match[1] !== "0") resolve(Number(match[1]));
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`${what} exited (${code}): ${output}`)));
    }),
    30_000,
    `${what} to listen`,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await withTimeout(exited, 5000, `${what} to exit`).catch(() => child.kill("SIGKILL"));
    },
  };
}

/** Spawns the fixture with extra environment variables; resolves once it listens. */
export function spawnFixture(
  runtime: FixtureRuntime,
  env: Record<string, string> = {},
): Promise<SpawnedFixture> {
  const command = fixtureCommand(runtime);
  if (!command) throw new Error(`${runtime} is not available`);
  return spawnServer(command, env, `${runtime} fixture`);
}
