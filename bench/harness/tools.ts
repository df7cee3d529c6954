/**
 * Finds the runtimes (deno, bun, node + the tsx loader) and the npm packages the bench needs,
 * installing the packages into bench/.deps with `npm install --prefix` when they are missing.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the runtimes are, and their versions. */
export interface Tools {
  deno: string;
  bun?: string;
  node?: string;
  npm?: string;
  /** tsx's ESM loader, to run the TypeScript fixture on Node. */
  tsxLoader?: string;
  /** Clock ticks per second of /proc/<pid>/stat times. */
  clockTicks: number;
  versions: Record<string, string>;
}

/** The project root (two levels above this file). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The folder the bench installs its npm packages into. */
export const DEPS_DIR: string = join(ROOT, "bench/.deps");

/** The npm packages of the reference servers, installed by the bench itself. */
const DEPS = ["socket.io@4.8", "ws@8", "@socket.io/bun-engine@0.1"];

/** Locates the runtimes and reads their versions. */
export async function findTools(): Promise<Tools> {
  const ciTools = join(ROOT, ".ci/tools/node_modules");
  const bun = findOnPath("bun") ?? existing(join(ciTools, ".bin/bun"));
  const node = findOnPath("node");
  const npm = findOnPath("npm");
  const tsxLoader = existing(Deno.env.get("SIO_TSX_LOADER") ?? "") ??
    existing(join(ciTools, "tsx/dist/esm/index.mjs"));
  const versions: Record<string, string> = { deno: Deno.version.deno };
  if (bun) versions.bun = await output(bun, ["--version"]);
  if (node) versions.node = (await output(node, ["--version"])).replace(/^v/, "");
  const ticks = Number(await output("getconf", ["CLK_TCK"]).catch(() => "100"));
  return {
    deno: Deno.execPath(),
    bun,
    node,
    npm,
    tsxLoader,
    clockTicks: ticks > 0 ? ticks : 100,
    versions,
  };
}

/** Installs the reference servers' packages into bench/.deps when missing. */
export async function ensureDeps(
  tools: Tools,
  log: (line: string) => void,
): Promise<{ socketIo: boolean; ws: boolean; bunEngine: boolean; note?: string }> {
  const have = () => ({
    socketIo: existing(join(DEPS_DIR, "node_modules/socket.io/package.json")) !== undefined,
    ws: existing(join(DEPS_DIR, "node_modules/ws/package.json")) !== undefined,
    bunEngine:
      existing(join(DEPS_DIR, "node_modules/@socket.io/bun-engine/package.json")) !== undefined,
  });
  const before = have();
  if (before.socketIo && before.ws && before.bunEngine) return before;
  if (!tools.npm) return { ...before, note: "npm not found: socket.io and ws servers skipped" };
  log(`installing ${DEPS.join(" ")} into bench/.deps`);
  Deno.mkdirSync(DEPS_DIR, { recursive: true });
  const manifest = join(DEPS_DIR, "package.json");
  if (!existing(manifest)) {
    Deno.writeTextFileSync(
      manifest,
      JSON.stringify({ name: "sio-gateway-bench-deps", private: true }, null, 2) + "\n",
    );
  }
  const args = ["install", "--prefix", DEPS_DIR, "--no-audit", "--no-fund", "--legacy-peer-deps"];
  let note: string | undefined;
  try {
    await output(tools.npm, [...args, ...DEPS], 180_000);
  } catch (error) {
    note = `npm install failed (${String(error).slice(0, 200)})`;
    // The Bun engine is the newest and least needed: try the others without it.
    await output(tools.npm, [...args, ...DEPS.slice(0, 2)], 180_000).catch(() => {});
  }
  return { ...have(), note };
}

/** The version field of an installed package in bench/.deps, or "?". */
export function depVersion(name: string): string {
  try {
    const text = Deno.readTextFileSync(join(DEPS_DIR, `node_modules/${name}/package.json`));
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return "?";
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = existing(join(dir, name));
    if (candidate) return candidate;
  }
  return undefined;
}

function existing(path: string): string | undefined {
  if (!path) return undefined;
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion (bounded) and returns its trimmed stdout. */
export async function output(command: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const result = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  if (!result.success) {
    throw new Error(new TextDecoder().decode(result.stderr).trim().split("\n").slice(-3).join(" "));
  }
  return new TextDecoder().decode(result.stdout).trim();
}
