#!/usr/bin/env bash
# Lints every shell script in the repository with shellcheck: files ending in .sh and files whose
# first line names bash or sh (.ci/run). Part of `npm run check`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  printf 'check:shell: shellcheck is not installed: run scripts/provision-host.sh (or apt-get install shellcheck)\n' >&2
  exit 1
fi

scripts=()
while IFS= read -r -d '' file; do
  [[ -f $file ]] || continue
  if [[ $file == *.sh ]] || head -n 1 -- "$file" | grep -Eq '^#!.*\b(bash|sh)\b'; then
    scripts+=("$file")
  fi
done < <(git ls-files -z --cached --others --exclude-standard)

if ((${#scripts[@]} == 0)); then
  printf 'check:shell: no shell scripts found\n' >&2
  exit 1
fi
shellcheck --external-sources -- "${scripts[@]}"
printf 'shellcheck: %d scripts clean\n' "${#scripts[@]}"
