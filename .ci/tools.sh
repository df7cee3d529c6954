# Sourced by the test scripts: puts deno, bun and tsx on PATH, installing them from npm
# into .ci/tools when missing (never into the project root).
tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools"
missing=()
[ -x "$tools_dir/node_modules/.bin/deno" ] || command -v deno >/dev/null 2>&1 || missing+=(deno)
[ -x "$tools_dir/node_modules/.bin/bun" ] || command -v bun >/dev/null 2>&1 || missing+=(bun)
[ -f "$tools_dir/node_modules/tsx/dist/esm/index.mjs" ] || missing+=(tsx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} into .ci/tools" >&2
  npm install --prefix "$tools_dir" --no-audit --no-fund --foreground-scripts "${missing[@]}" >&2
fi
export PATH="$tools_dir/node_modules/.bin:$PATH"
export SIO_TSX_LOADER="$tools_dir/node_modules/tsx/dist/esm/index.mjs"
# The browser test (tests/browser/) drives Debian's chromium, the interop tests run Debian's
# python3-socketio and the Redis tests redis-server; CI installs them when missing (elsewhere those tests skip without them).
if [ "${CI:-}" = "true" ]; then
  debs=()
  [ -x /usr/bin/chromium ] || debs+=(chromium)
  # the Redis tests (and the sharded adapter's Redis Cluster) run Debian's redis-server
  [ -x /usr/bin/redis-server ] || debs+=(redis-server)
  /usr/bin/python3 -c "import socketio, requests, websocket" >/dev/null 2>&1 ||
    debs+=(python3-socketio python3-requests python3-websocket)
  if [ ${#debs[@]} -gt 0 ]; then
    echo "installing ${debs[*]} with apt-get" >&2
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    { "${as_root[@]}" apt-get update -qq &&
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}"; } >&2 ||
      echo "could not install ${debs[*]}; the browser and interop tests will fail" >&2
  fi
fi
