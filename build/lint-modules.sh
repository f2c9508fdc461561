#!/usr/bin/env bash
# Fails when any go.mod in the repository is untidy (go mod tidy -diff):
# a requirement marked "// indirect" that the code imports, or one nothing
# needs, hides what really ships.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
status=0
while IFS= read -r mod; do
  dir=$(dirname "$mod")
  echo "lint-modules.sh: go mod tidy -diff in $dir"
  if ! (cd "$dir" && GOWORK=off GOFLAGS=-mod=mod go mod tidy -diff); then
    echo "lint-modules.sh: $mod is not tidy: run 'go mod tidy' in $dir and commit the result" >&2
    status=1
  fi
done < <(git ls-files --cached --others --exclude-standard -- 'go.mod' '*/go.mod')
exit "$status"
