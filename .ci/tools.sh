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
