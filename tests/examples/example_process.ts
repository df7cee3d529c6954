/**
 * Runs an example (`examples/<name>/main.ts`, on Deno unless told otherwise) as a child process
 * on a free port, for tests under both `deno test` and `bun test`; and small bounded helpers for
 * the socket.io-client sockets those tests open.
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { type FixtureRuntime, spawnServer } from "../_helpers/spawn_fixture.ts";
import { withTimeout } from "../_helpers/wait.ts";

export type { Socket };

/** How long one wait for a client event may take (below bun's 5 s per test). */
export const WAIT_MS = 3000;

/** The project root, where `deno run` is started. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** An example running in a child process. */
export interface RunningExample {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it by its PID (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

export { withTimeout };

/**
 * The command line that runs `examples/<name>/main.ts` on a runtime (Node through tsx, found by
 * SIO_TSX_LOADER), or undefined when that runtime is not available.
 */
export function exampleCommand(name: string, runtime: FixtureRuntime): string[] | undefined {
  const main = `examples/${name}/main.ts`;
  switch (runtime) {
    case "deno":
      return ["deno", "run", "-A", main];
    case "bun":
      return ["bun", main];
    case "node": {
      const loader = process.env.SIO_TSX_LOADER;
      return loader ? ["node", "--import", loader, main] : undefined;
    }
  }
}

/**
 * Starts `examples/<name>/main.ts` (with Deno unless `runtime` says otherwise) and PORT=0;
 * resolves with the port it printed (`listening on http://127.0.0.1:PORT`), or rejects if it
 * exits first or the runtime is not available.
 */
export async function startExample(
  name: string,
  runtime: FixtureRuntime = "deno",
): Promise<RunningExample> {
  const command = exampleCommand(name, runtime);
  if (!command) throw new Error(`cannot run examples/${name} on ${runtime}: set SIO_TSX_LOADER`);
  const server = await spawnServer(command, {}, `examples/${name} on ${runtime}`);
  return { ...server, url: `http://127.0.0.1:${server.port}` };
}

const openSockets = new Set<Socket>();

/**
 * Opens a socket.io-client socket (`forceNew`, no reconnection) without waiting for it;
 * `closeSockets` closes it.
 */
export function client(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Socket {
  const socket = io(url, { forceNew: true, reconnection: false, timeout: WAIT_MS, ...options });
  openSockets.add(socket);
  return socket;
}

/** Opens a socket and waits (bounded) for `connect`; rejects with the `connect_error`. */
export async function connect(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Socket> {
  const socket = client(url, options);
  let onConnect: (() => void) | undefined;
  let onError: ((error: Error) => void) | undefined;
  const settled = new Promise<void>((resolve, reject) => {
    onConnect = resolve;
    onError = reject;
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
  await withTimeout(settled, WAIT_MS, `"connect" to ${url}`).finally(() => {
    socket.off("connect", onConnect);
    socket.off("connect_error", onError);
  });
  return socket;
}

/** The arguments of the next `event` of a socket; rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  socket: Socket,
  event: string,
  ms = WAIT_MS,
): Promise<T> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const fired = new Promise<T>((resolve) => {
    listener = (...args) => resolve(args as T);
    socket.once(event, listener);
  });
  return withTimeout(fired, ms, `"${event}"`).finally(() => socket.off(event, listener));
}

/** Records every `event` of a socket from now on. */
export function record<T = unknown>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (value: T) => received.push(value));
  return received;
}

/** Closes every socket `client` or `connect` opened. */
export function closeSockets(): void {
  for (const socket of openSockets) socket.close();
  openSockets.clear();
}
