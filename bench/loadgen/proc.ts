/** Reads a process's CPU time and memory from Linux's /proc (any runtime: node:fs). */
import { readFileSync } from "node:fs";

/** utime + stime of a process (all its threads), in clock ticks. */
export function cpuTicks(pid: number | "self"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name, which may contain spaces: state is field 3,
  // utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size of a process in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : 0;
}

/** A CPU-time reading of the server and of this process, to subtract from a later one. */
export interface CpuMark {
  at: number;
  server: number;
  self: number;
}

/** Reads both CPU counters now. */
export function markCpu(serverPid: number): CpuMark {
  return { at: performance.now(), server: cpuTicks(serverPid), self: cpuTicks("self") };
}

/** CPU used between two marks: server ms, and both processes' use in % of one core. */
export function cpuBetween(
  start: CpuMark,
  end: CpuMark,
  clockTicks: number,
): { wallMs: number; serverCpuMs: number; serverPct: number; selfPct: number } {
  const wallMs = end.at - start.at;
  const serverCpuMs = ((end.server - start.server) * 1000) / clockTicks;
  const selfCpuMs = ((end.self - start.self) * 1000) / clockTicks;
  return {
    wallMs,
    serverCpuMs,
    serverPct: (serverCpuMs / wallMs) * 100,
    selfPct: (selfCpuMs / wallMs) * 100,
  };
}
