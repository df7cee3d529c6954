/** The servers under test, and starting / stopping them. */
import { join } from "node:path";
import type { Protocol, ScenarioName } from "../loadgen/trial.ts";
import { kill, spawn } from "./children.ts";
import { ROOT, type Tools } from "./tools.ts";

/** Which implementation a server is ("baseline": ours from another checkout, --baseline). */
export type ServerKind = "ours" | "baseline" | "socketio" | "raw";
/** Which runtime runs it. */
export type RuntimeName = "deno" | "bun" | "node";

/** A server under test. */
export interface ServerSpec {
  id: string;
  label: string;
  kind: ServerKind;
  runtime: RuntimeName;
  protocol: Protocol;
  /** A server whose failure is reported but does not fail the run. */
  optional?: boolean;
  /** Working directory of the server (default: this checkout). */
  cwd?: string;
  /** Environment variables added to SERVER_ENV for this server. */
  env?: Record<string, string>;
  /** The command line, or a reason it cannot run here. */
  command(tools: Tools, deps: DepsState): { cmd: string; args: string[] } | string;
}

/** Which npm packages bench/.deps has. */
export interface DepsState {
  socketIo: boolean;
  ws: boolean;
  bunEngine: boolean;
}

const FIXTURE = "tests/fixtures/conformance_server.ts";

/** Every server, in table order. */
export const SERVERS: ServerSpec[] = [
  {
    id: "ours-deno",
    label: "sio-gateway · Deno",
    kind: "ours",
    runtime: "deno",
    protocol: "sio",
    command: (tools) => ({ cmd: tools.deno, args: ["run", "-A", FIXTURE] }),
  },
  {
    id: "ours-bun",
    label: "sio-gateway · Bun",
    kind: "ours",
    runtime: "bun",
    protocol: "sio",
    command: (tools) => tools.bun ? { cmd: tools.bun, args: [FIXTURE] } : "bun not found",
  },
  {
    id: "ours-node",
    label: "sio-gateway · Node",
    kind: "ours",
    runtime: "node",
    protocol: "sio",
    command: (tools) => {
      if (!tools.node) return "node not found";
      if (!tools.tsxLoader) return "tsx loader not found (.ci/tools or SIO_TSX_LOADER)";
      return { cmd: tools.node, args: ["--import", tools.tsxLoader, FIXTURE] };
    },
  },
  {
    id: "socketio-node",
    label: "socket.io 4.8 · Node",
    kind: "socketio",
    runtime: "node",
    protocol: "sio",
    command: (tools, deps) => {
      if (!tools.node) return "node not found";
      if (!deps.socketIo) return "socket.io not installed in bench/.deps";
      return { cmd: tools.node, args: ["bench/servers/socketio_node.mjs"] };
    },
  },
  {
    id: "socketio-bun",
    label: "socket.io 4.8 · Bun (bun-engine)",
    kind: "socketio",
    runtime: "bun",
    protocol: "sio",
    optional: true,
    command: (tools, deps) => {
      if (!tools.bun) return "bun not found";
      if (!deps.socketIo || !deps.bunEngine) {
        return "socket.io / @socket.io/bun-engine not installed in bench/.deps";
      }
      return { cmd: tools.bun, args: ["bench/servers/socketio_node.mjs", "--bun-engine"] };
    },
  },
  {
    id: "raw-deno",
    label: "raw WebSocket · Deno",
    kind: "raw",
    runtime: "deno",
    protocol: "raw",
    command: (tools) => ({ cmd: tools.deno, args: ["run", "-A", "bench/servers/raw_ws_deno.ts"] }),
  },
  {
    id: "raw-bun",
    label: "raw WebSocket · Bun",
    kind: "raw",
    runtime: "bun",
    protocol: "raw",
    command: (tools) =>
      tools.bun ? { cmd: tools.bun, args: ["bench/servers/raw_ws_bun.ts"] } : "bun not found",
  },
  {
    id: "raw-node",
    label: "raw WebSocket · Node (ws)",
    kind: "raw",
    runtime: "node",
    protocol: "raw",
    command: (tools, deps) => {
      if (!tools.node) return "node not found";
      if (!deps.ws) return "ws not installed in bench/.deps";
      return { cmd: tools.node, args: ["bench/servers/raw_ws_node.mjs"] };
    },
  },
];

/**
 * Every server, with `base-deno`, `base-bun` and `base-node` after their `ours-*` when a
 * baseline checkout is given: the same fixture, run from `dir` (its deno.json, node_modules);
 * and with `metrics`, `ours-deno-metrics`, `ours-bun-metrics` and `ours-node-metrics`: the
 * fixture with METRICS=on.
 */
export function serverList(
  baseline?: { dir: string; commit: string },
  metrics = false,
): ServerSpec[] {
  return SERVERS.flatMap((spec) => {
    if (spec.kind !== "ours") return [spec];
    const variants: ServerSpec[] = [spec];
    if (metrics) {
      variants.push({
        ...spec,
        id: `${spec.id}-metrics`,
        label: `${spec.label} · metrics on`,
        env: { METRICS: "on" },
      });
    }
    if (baseline) {
      variants.push({
        ...spec,
        id: spec.id.replace(/^ours-/, "base-"),
        label: spec.label.replace("sio-gateway", `baseline ${baseline.commit}`),
        kind: "baseline" as const,
        cwd: baseline.dir,
      });
    }
    return variants;
  });
}

/**
 * Checks that `dir` is a checkout with the fixture, and runs `deno install` there when its
 * deno.json has nodeModulesDir and it has no node_modules yet (Bun and Node need one).
 * Returns its absolute path, and a note when it still has no node_modules.
 */
export async function prepareBaseline(
  dir: string,
  tools: Tools,
  log: (line: string) => void,
): Promise<{ dir: string; note?: string }> {
  const abs = Deno.realPathSync(dir);
  const isDir = (path: string) => Deno.statSync(path).isDirectory;
  const exists = (path: string, check = (p: string) => Deno.statSync(p).isFile) => {
    try {
      return check(path);
    } catch {
      return false;
    }
  };
  if (!exists(join(abs, FIXTURE))) throw new Error(`--baseline ${dir}: no ${FIXTURE} there`);
  let config: { nodeModulesDir?: unknown } = {};
  if (exists(join(abs, "deno.json"))) {
    config = JSON.parse(Deno.readTextFileSync(join(abs, "deno.json")));
  }
  const wantsModules = config.nodeModulesDir !== undefined && config.nodeModulesDir !== "none" &&
    config.nodeModulesDir !== false;
  if (wantsModules && !exists(join(abs, "node_modules"), isDir)) {
    log(`bench: deno install in ${abs} (the baseline's node_modules, for Bun and Node)`);
    const tail: string[] = [];
    const child = spawn(tools.deno, ["install"], { cwd: abs, onStderr: (line) => tail.push(line) });
    const status = await child.status;
    if (!status.success) {
      throw new Error(`deno install in ${abs} failed: ${tail.slice(-3).join(" | ")}`);
    }
  }
  return exists(join(abs, "node_modules"), isDir)
    ? { dir: abs }
    : { dir: abs, note: `baseline ${abs} has no node_modules: base-bun and base-node may fail` };
}

/**
 * Whether a server takes part in a scenario: raw WebSocket servers have no long-polling, and
 * no Socket.IO heartbeat or broadcast-all for the scale scenario.
 */
export function serves(spec: ServerSpec, scenario: ScenarioName): boolean {
  return !(spec.kind === "raw" && (scenario === "polling" || scenario === "scale"));
}

/** A started server. */
export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  port: number;
  /** The last lines it printed (for error reports). */
  tail: string[];
  /** Whether it is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Same Engine.IO timings for every Socket.IO server: the reference defaults. */
/** The environment every server under test starts with (the fixture reads it). */
export const SERVER_ENV: Record<string, string> = {
  PORT: "0",
  PING_INTERVAL: "25000",
  PING_TIMEOUT: "20000",
  CONNECT_TIMEOUT: "45000",
  MAX_PAYLOAD: "1000000",
  ADDRESS_LIMITS: "off",
};

/** Starts a server on a free port; resolves once it printed `listening on …:PORT`. */
export async function startServer(
  spec: ServerSpec,
  tools: Tools,
  deps: DepsState,
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const command = spec.command(tools, deps);
  if (typeof command === "string") throw new Error(command);
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  const ready = Promise.withResolvers<number>();
  let exited = false;
  const child = spawn(command.cmd, command.args, {
    cwd: spec.cwd ?? ROOT,
    env: { ...SERVER_ENV, ...spec.env },
    onStdout(line) {
      remember(line);
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (match) ready.resolve(Number(match[1]));
    },
    onStderr: remember,
  });
  child.status.then((status) => {
    exited = true;
    ready.reject(new Error(`${spec.id} exited (code ${status.code}): ${tail.join(" | ")}`));
  });
  const timer = setTimeout(
    () => ready.reject(new Error(`${spec.id} did not listen within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const port = await ready.promise;
    return {
      spec,
      pid: child.pid,
      port,
      tail,
      alive: () => !exited,
      stop: () => kill(child),
    };
  } catch (error) {
    await kill(child);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
