/**
 * A server for profiling that exits normally on SIGTERM / SIGINT, so that a runtime started
 * with `--cpu-prof` writes its profile (bench/harness/profile.ts starts it so). It serves the
 * conformance fixture, or the module named by BENCH_PROFILE_TARGET (relative to this folder,
 * e.g. `./raw_ws_deno.ts`).
 */
import process from "node:process";

for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
const target = process.env.BENCH_PROFILE_TARGET ?? "../../tests/fixtures/conformance_server.ts";
await import(target);
