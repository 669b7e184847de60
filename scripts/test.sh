#!/usr/bin/env bash
# `npm test`: makes the host ready (scripts/provision-host.sh, skipped with DIWAN_SKIP_PROVISION=1),
# brings node_modules in line with package-lock.json, runs vitest with the arguments given, then the
# browser tests (Playwright in Debian's Chromium, test/e2e; skipped with DIWAN_SKIP_E2E=1).
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

# Tests that start a real `diwan serve` load the entrance page, which is the built SPA.
bash scripts/lib/web-build.sh

status=0
npx vitest run "$@" || status=$?

if [[ ${DIWAN_SKIP_E2E:-} != 1 ]]; then
  # Its global setup builds the SPA when stale and starts a real `diwan serve` on a fresh data dir.
  npx playwright test || status=$?
fi
exit "$status"
