/**
 * A ported example with its import line put back to `socket.io`: the reference the port's tests
 * also run against. The copy goes to the git-ignored artifacts/reference/<name>/ (with the
 * example's public/), where Node resolves `socket.io` (4.8, from the import map) and the
 * example's other packages from the project's node_modules; it runs on Node through tsx.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { spawnServer } from "../_helpers/spawn_fixture.ts";
import { ROOT, type RunningExample } from "./example_process.ts";

/** The import line a ported example has, and the one socket.io users have. */
const OURS = 'import { Server } from "../../compat.ts";';
const THEIRS = 'import { Server } from "socket.io";';

/** Why the reference cannot run here (no tsx for Node), or false. */
export function referenceSkip(): string | false {
  return process.env.SIO_TSX_LOADER ? false : "SIO_TSX_LOADER is not set (Node runs tsx)";
}

/**
 * Writes examples/<name>/main.ts with its one compat import line replaced by socket.io's (it
 * throws unless exactly one line is that import) and starts it on Node with PORT=0.
 */
export async function startOnSocketIo(name: string): Promise<RunningExample> {
  const loader = process.env.SIO_TSX_LOADER;
  if (!loader) throw new Error("SIO_TSX_LOADER is not set");
  if (!existsSync(join(ROOT, "node_modules", "socket.io", "package.json"))) {
    throw new Error("node_modules/socket.io is missing: run `deno install`");
  }
  const source = readFileSync(join(ROOT, "examples", name, "main.ts"), "utf8");
  const lines = source.split("\n");
  const imports = lines.filter((line) => line === OURS).length;
  if (imports !== 1) throw new Error(`examples/${name}/main.ts has ${imports} lines "${OURS}"`);
  const folder = join(ROOT, "artifacts", "reference", name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const main = join(folder, "main.ts");
  writeFileSync(main, lines.map((line) => line === OURS ? THEIRS : line).join("\n"));
  const assets = join(ROOT, "examples", name, "public");
  if (existsSync(assets)) cpSync(assets, join(folder, "public"), { recursive: true });
  const server = await spawnServer(
    ["node", "--import", loader, main],
    {},
    `examples/${name} on socket.io`,
  );
  return { ...server, url: `http://127.0.0.1:${server.port}` };
}
