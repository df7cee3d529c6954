#!/usr/bin/env bash
# Runs every check and every test: static checks, then the test suite on Deno and on Bun.
# Prints one summary line per stage ("<stage>: N passed, N failed") and exits non-zero on
# any failure. Invoked by `deno task test`.
set -uo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
mkdir -p artifacts
export NO_COLOR=1

deno install >/dev/null 2>&1 || deno install

status=0
summary=()

run_check() {
  local name="$1"
  shift
  if "$@" >"artifacts/check-$name.log" 2>&1; then
    summary+=("check $name: 1 passed, 0 failed")
  else
    echo "---- check $name failed:"
    tail -n 40 "artifacts/check-$name.log"
    summary+=("check $name: 0 passed, 1 failed")
    status=1
  fi
}

# the package's entry points are the .ts files at the top (mod.ts, engine.ts, testing.ts, …)
entries=(*.ts)
run_check typecheck deno check "${entries[@]}" src/ tests/ examples/ bench/
run_check lint deno lint
run_check fmt deno fmt --check
run_check doc deno doc --lint "${entries[@]}"
run_check publish deno publish --dry-run --allow-dirty
# a ~30 s run of every benchmark scenario (scale: 200 sockets) keeps bench/ working (figures unchecked)
run_check bench-smoke deno task bench:smoke

echo "==== deno test"
deno test -A --no-check tests/ 2>&1 | tee artifacts/deno-test.log
deno_rc=${PIPESTATUS[0]}
deno_line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' artifacts/deno-test.log | tail -n 1)
# Deno counts top-level tests and, in brackets, their steps (our `it` blocks): report steps.
count() { # count <passed|failed> <line>
  local with_steps plain
  with_steps=$(sed -nE "s/.*\| [0-9]+ $1 \(([0-9]+) steps?\).*/\1/p" <<<"$2")
  plain=$(sed -nE "s/.*\| ([0-9]+) $1.*/\1/p" <<<"$2")
  echo "${with_steps:-$plain}"
}
deno_passed=$(count passed "$deno_line")
deno_failed=$(count failed "$deno_line")
summary+=("deno: ${deno_passed:-0} passed, ${deno_failed:-1} failed")
[ "$deno_rc" -eq 0 ] || status=1

echo "==== bun test"
# Bun ignores the `timeout` option of node:test hooks (before/after) and gives them its default
# 5 s; --timeout raises that default for hooks that spawn servers on a loaded machine.
bun test --timeout 30000 tests/ 2>&1 | tee artifacts/bun-test.log
bun_rc=${PIPESTATUS[0]}
bun_passed=$(sed -nE 's/^ *([0-9]+) pass$/\1/p' artifacts/bun-test.log | tail -n 1)
bun_failed=$(sed -nE 's/^ *([0-9]+) fail$/\1/p' artifacts/bun-test.log | tail -n 1)
summary+=("bun: ${bun_passed:-0} passed, ${bun_failed:-1} failed")
[ "$bun_rc" -eq 0 ] || status=1

echo "==== summary"
printf '%s\n' "${summary[@]}" | tee artifacts/summary.txt
exit $status
