/**
 * A local Redis Cluster of three masters for the sharded adapter's tests, started from
 * Debian's redis-server on free ports other than 6379 (configs in a temporary folder, no
 * persistence) and joined with `redis-cli --cluster create`. Only the processes it started
 * are stopped, by PID. Every wait is bounded.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep, withTimeout } from "../_helpers/wait.ts";

/** A running cluster. */
export interface LocalRedisCluster {
  /** "127.0.0.1:PORT" of each master. */
  readonly nodes: string[];
  /** Stops the three servers (by PID) and removes their folder. */
  stop(): Promise<void>;
}

function processEnv(): Record<string, string | undefined> {
  return (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process.env;
}

/** The skip reason when redis-server or redis-cli is missing (never on CI: there it fails). */
export function redisClusterSkip(): string | false {
  const present = ["/usr/bin/redis-server", "/usr/bin/redis-cli"].every((path) => existsSync(path));
  if (present || processEnv().CI === "true") return false;
  return "redis-server and redis-cli are not installed (apt-get install redis-server)";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], ms = 20_000): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      execFile(command, args, { timeout: ms }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(" ")}: ${error.message} ${stderr}`));
        else resolve(String(stdout));
      });
    }),
    ms + 1000,
    `${command} ${args[0]}`,
  );
}

/** Starts three cluster-enabled redis-servers and makes them one cluster (slots all served). */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sio-redis-cluster-"));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      return withTimeout(exited, 5000, "redis-server to exit").catch(() => child.kill("SIGKILL"));
    }));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await freePort();
      // the cluster bus listens on port + 10000
      if (port !== 6379 && port < 55_000 && !ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const child = spawn("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ], { stdio: "ignore" });
      children.push(child);
    }
    for (const port of ports) {
      for (let i = 0;; i++) {
        const pong = await run("redis-cli", ["-p", String(port), "ping"]).catch(() => "");
        if (pong.includes("PONG")) break;
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes,
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (const port of ports) {
      for (let i = 0;; i++) {
        const info = await run("redis-cli", ["-p", String(port), "cluster", "info"]).catch(() =>
          ""
        );
        if (info.includes("cluster_state:ok")) break;
        if (i > 200) throw new Error(`the cluster did not settle on ${port}`);
        await sleep(50);
      }
    }
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
