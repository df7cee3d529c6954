/**
 * The conformance fixture, for the soak: it runs the fixture in this process and, on SIGUSR2,
 * collects garbage (when the runtime lets it: Deno with `--v8-flags=--expose-gc`, or Bun) and
 * prints one line `heap used=<bytes> rss=<bytes>`, so the soak can compare memory at quiet
 * points without the noise of garbage not yet collected.
 */
declare const Bun: { gc(force: boolean): void } | undefined;

function collect(): void {
  if (typeof Bun !== "undefined") Bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

function report(): void {
  collect();
  const usage = (globalThis as unknown as {
    process: { memoryUsage(): { heapUsed: number; rss: number } };
  }).process.memoryUsage();
  console.log(`heap used=${usage.heapUsed} rss=${usage.rss}`);
}

if ("Deno" in globalThis) Deno.addSignalListener("SIGUSR2", report);
else {
  (globalThis as unknown as { process: { on(signal: string, f: () => void): void } }).process.on(
    "SIGUSR2",
    report,
  );
}

// the fixture starts listening (and says so) once imported: the signal handler comes first
await import("../fixtures/conformance_server.ts");
