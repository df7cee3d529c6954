/**
 * Runs an example (`deno run -A examples/<name>/main.ts`) as a child process on a free port,
 * for tests under both `deno test` and `bun test`; and small bounded helpers for the
 * socket.io-client sockets those tests open.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";

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

/** Settles like `promise`, or rejects once `ms` have passed; the timer is always cleared. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts `examples/<name>/main.ts` with Deno and PORT=0; resolves with the port it printed
 * (`listening on http://127.0.0.1:PORT`), or rejects if it exits or takes over `ms`.
 */
export async function startExample(name: string, ms = 20_000): Promise<RunningExample> {
  const child: ChildProcess = spawn("deno", ["run", "-A", `examples/${name}/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (which: "SIGTERM" | "SIGKILL") => {
    try {
      if (running() && child.pid !== undefined) process.kill(child.pid, which);
    } catch { /* it exited meanwhile */ }
  };
  const stop = async () => {
    if (!running()) return;
    signal("SIGTERM");
    await withTimeout(exited, 3000, `${name} to exit`).catch(() => signal("SIGKILL"));
  };
  const listening = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
  });
  let port: number;
  try {
    port = await withTimeout(listening, ms, `examples/${name} to listen`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, output: () => output, stop };
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
