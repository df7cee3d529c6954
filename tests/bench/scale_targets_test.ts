/**
 * Unit tests of the bench's scale sizing (bench/harness/scale.ts) and of issue 16's targets
 * (bench/harness/targets.ts), on synthetic cells.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { shares, socketCount } from "../../bench/harness/scale.ts";
import { checkIssue16Targets } from "../../bench/harness/targets.ts";
import type { Cell } from "../../bench/harness/report.ts";
import { SCALE_SETTINGS } from "../../bench/harness/plan.ts";
import type { ScaleFigures, ScenarioName } from "../../bench/loadgen/trial.ts";

const SETTINGS = SCALE_SETTINGS;

function cell(
  scenario: ScenarioName,
  server: string,
  main: number,
  scale?: Partial<ScaleFigures>,
): Cell {
  return {
    scenario,
    server,
    rounds: 1,
    failures: [],
    opsPerSec: 1,
    p50Ms: 1,
    p99Ms: 1,
    cpuPerOpUs: main,
    serverCpuPct: 1,
    loadgenCpuPct: 1,
    errors: 0,
    main,
    scale: scale && {
      requested: 50_000,
      capped: 19_499,
      fdLimit: 20_000,
      opened: 19_499,
      failedOpens: 0,
      openMs: 10_000,
      processes: 4,
      addresses: 8,
      kibPerSocket: main,
      pingIntervalMs: 5000,
      heartbeatRounds: 4,
      cpuMsPerRound: 500,
      pingsPerSocket: 4,
      lost: 0,
      stale: 0,
      delivered: 19_499,
      expected: 19_499,
      broadcastAllMs: 700,
      broadcastP50Ms: 400,
      ...scale,
    },
  };
}

describe("scale sizing", () => {
  it("caps N at the fd limit less the headroom and the emitter", () => {
    assert.deepEqual(socketCount(SETTINGS, 20_000), { count: 19_499, capped: true });
    assert.deepEqual(socketCount(SETTINGS, 1_048_576), { count: 50_000, capped: false });
    assert.deepEqual(socketCount(SETTINGS, 100), { count: 0, capped: true });
  });

  it("splits the clients evenly over processes of at most perProcess", () => {
    assert.deepEqual(shares(19_499, 5000), [4875, 4875, 4875, 4874]);
    assert.deepEqual(shares(200, 100), [100, 100]);
    assert.deepEqual(shares(10, 5000), [10]);
  });
});

describe("issue 16 targets", () => {
  const find = (checks: ReturnType<typeof checkIssue16Targets>, target: string) =>
    checks.find((check) => check.target.startsWith(target))!;

  it("compares Bun with socket.io on bun-engine, Deno's ack with the raw Deno echo", () => {
    const checks = checkIssue16Targets([
      cell("ack", "ours-deno", 12),
      cell("ack", "ours-bun", 7),
      cell("ack", "ours-node", 21),
      cell("ack", "socketio-node", 20),
      cell("ack", "socketio-bun", 10),
      cell("ack", "raw-deno", 10),
    ]);
    const ack = find(checks, "ack").byRuntime;
    assert.equal(ack.deno?.value, 1.2);
    assert.equal(ack.deno?.met, true);
    assert.equal(ack.bun?.value, 0.7);
    assert.equal(ack.bun?.met, true);
    assert.equal(ack.node?.value, 1.05);
    assert.equal(ack.node?.met, false);
  });

  it("has no Deno target for connect and binary", () => {
    const checks = checkIssue16Targets([
      cell("connect", "ours-deno", 5),
      cell("connect", "socketio-node", 10),
    ]);
    assert.equal(find(checks, "connect").byRuntime.deno, undefined);
    assert.equal(find(checks, "connect").byRuntime.node, undefined);
  });

  it("scale: held only with every socket open, none lost; memory against the best peer", () => {
    const checks = checkIssue16Targets([
      cell("scale", "ours-deno", 29, {}),
      cell("scale", "ours-bun", 10, { lost: 3 }),
      cell("scale", "socketio-node", 16, {}),
      cell("scale", "socketio-bun", 11, {}),
    ]);
    const held = find(checks, "scale: sockets held").byRuntime;
    assert.equal(held.deno?.met, true);
    assert.equal(held.bun?.met, false);
    const memory = find(checks, "scale: KiB per socket").byRuntime;
    assert.equal(memory.bun?.met, true);
    assert.equal(memory.deno?.met, false);
    assert.equal(memory.deno?.detail, "vs bun-engine");
  });
});
