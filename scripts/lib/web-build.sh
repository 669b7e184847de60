#!/usr/bin/env bash
# Builds the SPA (src/web → dist/web) with Vite when it is missing or older than any of its inputs;
# --force builds in any case. Used by `npm run dev`, `npm test` and `npm run build`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

readonly out=dist/web/index.html
stale() {
  [[ ! -f $out ]] && return 0
  # Anything the bundle is made of: the SPA, the contract it imports, the build's config and deps.
  [[ -n $(find src/web src/contract vite.config.ts package-lock.json -newer "$out" -print -quit) ]]
}

if [[ ${1:-} == --force ]] || stale; then
  echo 'web: building the SPA (vite build)'
  npx vite build --logLevel warn
  touch "$out"
fi
