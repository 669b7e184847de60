#!/usr/bin/env bash
# `npm test`: makes the host ready (scripts/provision-host.sh, skipped with DIWAN_SKIP_PROVISION=1),
# brings node_modules in line with package-lock.json, then runs vitest with the arguments given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/node-headers.sh
source scripts/lib/node-headers.sh

if [[ ${DIWAN_SKIP_PROVISION:-} != 1 ]]; then
  bash scripts/provision-host.sh
fi

# npm keeps its own copy of the lockfile in node_modules: an older copy means a stale install.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo 'test: installing dependencies (npm ci)'
  npm ci --no-audit --no-fund
fi

exec npx vitest run "$@"
