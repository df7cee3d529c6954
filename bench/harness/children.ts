/**
 * Every process the harness starts goes through {@link spawn}, so that {@link killAll} can end
 * each of them, by its own PID, on any way out (normal end, error, timeout, Ctrl-C).
 */

const live = new Set<Deno.ChildProcess>();
const outputs = new WeakMap<Deno.ChildProcess, Promise<unknown>>();
/** Set by {@link killAll}: from then on nothing new may start. */
let closing = false;

/** Options of {@link spawn}. */
export interface SpawnOptions {
  cwd: string;
  env?: Record<string, string>;
  /** "piped" to write commands to the child (default: no stdin). */
  stdin?: "piped" | "null";
  /** Called with each line the child writes on stdout. */
  onStdout?(line: string): void;
  /** Called with each line the child writes on stderr. */
  onStderr?(line: string): void;
}

/** Starts a process with piped output, read line by line; it is tracked until it exits. */
export function spawn(command: string, args: string[], options: SpawnOptions): Deno.ChildProcess {
  if (closing) throw new Error("the bench is shutting down");
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(child);
  child.status.finally(() => live.delete(child));
  outputs.set(
    child,
    Promise.all([
      readLines(child.stdout, options.onStdout ?? (() => {})),
      readLines(child.stderr, options.onStderr ?? (() => {})),
    ]),
  );
  return child;
}

/**
 * Resolves once a child's stdout and stderr have been read to their end (every line handed
 * to its callback), which may come after its exit status; waits at most `ms`.
 */
export async function outputRead(child: Deno.ChildProcess, ms = 2000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    outputs.get(child),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** Kills one child (SIGKILL) and waits, at most 2 s, for it to be gone. */
export async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    child.status.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, 2000)),
  ]);
  clearTimeout(timer);
}

/** Kills every child still running, and refuses to start new ones from now on. */
export async function killAll(): Promise<void> {
  closing = true;
  for (let pass = 0; pass < 5 && live.size > 0; pass++) await Promise.all([...live].map(kill));
}

/** How many children are running (for the final check). */
export function liveCount(): number {
  return live.size;
}

async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    }
  } catch {
    // the child was killed mid-write
  }
  if (pending) onLine(pending);
}
