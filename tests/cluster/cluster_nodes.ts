/**
 * Starting the nodes of a Redis cluster test: our fixture under Deno and Bun, a Node
 * socket.io 4.8 server with the official `@socket.io/redis-adapter` (its packages installed
 * with npm into the git-ignored `.ci/tools/cluster-deps/` when missing), one-shot runs of
 * the official `@socket.io/redis-emitter`, and ioredis for in-process tests of that client.
 * Every wait is bounded; children stop by PID.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { connect as tcpConnect } from "node:net";
import { fileURLToPath } from "node:url";
import { type SpawnedServer, spawnFixture, spawnServer } from "../_helpers/spawn_fixture.ts";
import { withTimeout } from "../_helpers/wait.ts";

function processEnv(): Record<string, string | undefined> {
  return (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process.env;
}

/** The Redis the cluster tests use (REDIS_URL, default redis://127.0.0.1:6379). */
export const REDIS_URL: string = processEnv().REDIS_URL ?? "redis://127.0.0.1:6379";

/** The project root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Where the Node packages of the cluster tests live (git-ignored, with .ci/tools). */
export const CLUSTER_DEPS: string = `${ROOT}.ci/tools/cluster-deps`;

const PACKAGES = [
  "socket.io@4.8",
  "@socket.io/redis-adapter@8.3",
  "@socket.io/redis-emitter@5.1",
  "@socket.io/redis-streams-adapter@0.3",
  "redis@5",
  "ioredis@5",
];

/** A channel prefix of its own for one test run, so parallel runs never hear each other. */
export function uniqueKey(name: string): string {
  return `sio-test-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Whether something accepts TCP connections at REDIS_URL's host and port (1 s bound). */
export function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({
      host: hostname.replace(/^\[|\]$/g, ""),
      port: Number(port || 6379),
    });
    const done = (reachable: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reachable);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The skip reason of the cluster tests: a string when Redis is unreachable outside CI, false
 * otherwise (on CI an unreachable Redis fails the tests instead).
 */
export async function clusterSkip(): Promise<string | false> {
  if (await redisReachable()) return false;
  if (processEnv().CI === "true") return false;
  return `Redis is not reachable at ${REDIS_URL} (start redis-server, or set REDIS_URL)`;
}

/** Installs the Node packages of the cluster tests into CLUSTER_DEPS unless already there. */
export async function ensureClusterDeps(): Promise<void> {
  const modules = `${CLUSTER_DEPS}/node_modules`;
  const present = PACKAGES.every((spec) =>
    existsSync(`${modules}/${spec.slice(0, spec.lastIndexOf("@"))}/package.json`)
  );
  if (present) return;
  await run(
    "npm",
    ["install", "--prefix", CLUSTER_DEPS, "--no-audit", "--no-fund", ...PACKAGES],
    120_000,
  );
}

/** Runs a command to completion (bounded); rejects with its output if it fails. */
function run(command: string, args: string[], ms: number): Promise<string> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  child.stderr?.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  const exited = new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once(
      "exit",
      (code) =>
        code === 0 ? resolve(output) : reject(new Error(`${command} exited (${code}): ${output}`)),
    );
  });
  return withTimeout(exited, ms, `${command} ${args.join(" ")}`).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
}

/** Environment of every node of a cluster. */
function clusterEnv(key: string): Record<string, string> {
  return { REDIS_URL, REDIS_KEY: key, CLUSTER_DEPS };
}

/** Our conformance fixture in the cluster `key`, under Deno or Bun. */
export function startFixtureNode(runtime: "deno" | "bun", key: string): Promise<SpawnedServer> {
  return spawnFixture(runtime, clusterEnv(key));
}

/**
 * The Node socket.io 4.8 server with an official Redis adapter, in the cluster `key`; `env`
 * picks another adapter (ADAPTER=streams|sharded, see node_server.mjs) or RECOVERY=1.
 */
export function startNodeServer(
  key: string,
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  return spawnServer(
    ["node", "tests/cluster/node_server.mjs"],
    { ...clusterEnv(key), ...env },
    "node socket.io server",
  );
}

/** One operation of the official emitter (see node_emitter.mjs). */
export interface EmitterOperation {
  nsp?: string;
  to?: string | string[];
  except?: string | string[];
  emit?: unknown[];
  socketsJoin?: string | string[];
  socketsLeave?: string | string[];
  disconnectSockets?: boolean;
  serverSideEmit?: unknown[];
}

/** Runs the official `@socket.io/redis-emitter` once with these operations, in order. */
export async function runEmitter(key: string, operations: EmitterOperation[]): Promise<void> {
  const child = spawn("node", ["tests/cluster/node_emitter.mjs", JSON.stringify(operations)], {
    cwd: ROOT,
    env: { ...processEnv(), ...clusterEnv(key) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  child.stderr?.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once(
      "exit",
      (code) =>
        code === 0 ? resolve() : reject(new Error(`the emitter exited (${code}): ${output}`)),
    );
  });
  await withTimeout(exited, 10_000, "the emitter to finish").catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
}

/** Loads a CommonJS package installed in CLUSTER_DEPS (ioredis) from Deno or Bun. */
export function requireClusterDep(name: string): unknown {
  return createRequire(`${CLUSTER_DEPS}/package.json`)(name);
}
