/**
 * A server script (the conformance fixture, or a purpose-built one) in a child process on the
 * runtime that runs the tests (Deno under `deno test`, Bun under `bun test`), with what the
 * hardening and soak checks read from outside: its PID, whether it is still alive, its resident
 * memory (VmRSS from /proc), its output and its exit code. Stopped by PID only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { withTimeout } from "../_helpers/wait.ts";

/** The fixture, relative to the project root (the tests' working directory). */
export const FIXTURE = "tests/fixtures/conformance_server.ts";

/** The runtime running this file. */
export function currentRuntime(): "deno" | "bun" {
  return "Bun" in globalThis ? "bun" : "deno";
}

/**
 * How a runtime runs a script (on Deno with `--v8-flags=--expose-gc` when `exposeGc`; on Node
 * through the tsx loader named by SIO_TSX_LOADER).
 */
export function scriptCommand(
  script: string,
  runtime: "deno" | "bun" | "node" = currentRuntime(),
  exposeGc = false,
): string[] {
  if (runtime === "bun") return ["bun", script];
  if (runtime === "node") {
    const loader = processEnv().SIO_TSX_LOADER;
    if (!loader) throw new Error("set SIO_TSX_LOADER to run a script on Node");
    return ["node", "--import", loader, script];
  }
  return ["deno", "run", "-A", ...(exposeGc ? ["--v8-flags=--expose-gc"] : []), script];
}

/** A running child server. */
export interface ChildServer {
  /** Its process id. */
  readonly pid: number;
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Whether the process has not exited. */
  alive(): boolean;
  /** Resolves with the exit code (null when killed by a signal) once the process exits. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Its resident set size in bytes (VmRSS), or undefined where /proc is not available. */
  rss(): number | undefined;
  /** Sends a signal to the process (by its PID). */
  signal(name: "SIGUSR2" | "SIGTERM" | "SIGKILL"): void;
  /** SIGTERM (then SIGKILL after 5 s) by PID, and waits for the exit. */
  stop(): Promise<void>;
}

function processEnv(): Record<string, string | undefined> {
  return (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process.env;
}

/** Reads VmRSS of a process in bytes, or undefined when it cannot be read. */
export function readRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** What to spawn. */
export interface SpawnOptions {
  /** Extra environment (PORT is 0 unless given). */
  env?: Record<string, string>;
  /** The script, relative to the project root. Default: the fixture. */
  script?: string;
  /** The runtime. Default: the one running this file. */
  runtime?: "deno" | "bun" | "node";
  /** Let the script call `gc()` (Deno; Bun has `Bun.gc`). */
  exposeGc?: boolean;
}

/**
 * Spawns a script (default: the fixture) with PORT=0 and resolves once it prints the
 * `http://host:PORT` it listens on (30 s at most).
 */
export async function spawnChild(options: SpawnOptions = {}): Promise<ChildServer> {
  const { env = {}, script = FIXTURE, runtime = currentRuntime(), exposeGc = false } = options;
  const command = scriptCommand(script, runtime, exposeGc);
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    env: { ...processEnv(), PORT: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exitInfo: { code: number | null; signal: string | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const decoder = new TextDecoder();
  const onData = (chunk: Uint8Array) => {
    output += decoder.decode(chunk, { stream: true });
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const match = /https?:\/\/[^\s/]+:(\d+)/.exec(output);
        if (match && match[1] !== "0") resolve(Number(match[1]));
      };
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
      exited.then(({ code }) => reject(new Error(`${script} exited (${code}): ${output}`)));
    }),
    30_000,
    `${script} to listen`,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
  const pid = child.pid!;
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    alive: () => exitInfo === undefined,
    exited,
    rss: () => readRss(pid),
    // process.kill, not child.kill: Deno's ChildProcess ignores kill() once it has sent one
    signal: (name) => sendSignal(pid, name),
    async stop() {
      if (exitInfo) return;
      sendSignal(pid, "SIGTERM");
      await withTimeout(exited, 5000, `${script} to exit`).catch(() => {
        sendSignal(pid, "SIGKILL");
        return withTimeout(exited, 5000, `${script} to exit after SIGKILL`);
      });
    },
  };
}

/** Sends a signal to a process by PID; a process already gone is not an error. */
function sendSignal(pid: number, name: "SIGUSR2" | "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch {
    // already exited
  }
}

/** GETs `/__stats` of the fixture (3 s at most). */
export async function stats(url: string): Promise<{ clients: number; sockets: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 3000);
  try {
    const response = await fetch(`${url}/__stats`, { signal: controller.signal });
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}
