#!/usr/bin/env bash
# `npm run dev`: brings node_modules in line with package-lock.json, then starts Diwan in development
# mode from this checkout (bin/diwan.js prints the URL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/node-headers.sh
source scripts/lib/node-headers.sh

# npm keeps its own copy of the lockfile in node_modules: an older copy means a stale install.
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo 'dev: installing dependencies (npm ci)'
  npm ci --no-audit --no-fund
fi

# The web interface (src/web) is served from its build: rebuild it when a source changed.
bash scripts/lib/web-build.sh

exec node bin/diwan.js serve "$@"
