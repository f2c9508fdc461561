#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (go test -fuzz takes one target at a time).
# Seeds live in each package's testdata/fuzz; new crashers land there too.
set -euo pipefail
: "${FUZZTIME:?set FUZZTIME, e.g. 5s}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=(
  ./service/catalog:FuzzParse
  ./service/catalog:FuzzSearch
  ./service/httpapi:FuzzParseListQuery
)
for target in "${targets[@]}"; do
  pkg=${target%%:*} name=${target##*:}
  echo "fuzz.sh: $name in $pkg for $FUZZTIME"
  go test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg"
done
