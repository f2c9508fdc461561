#!/usr/bin/env bash
# Runs the Dockerfile policy (policy/dockerfile) on each FILE, and fails if
# it denies any.
#
# The policy gets each file whole, as a JSON string, and parses it itself:
# conftest's Dockerfile parser drops the parser directives ("# syntax=",
# "# escape=") that decide which frontend builds the image and how the file
# reads, and the policy must see them. The JSON goes to a file of the same
# relative name, so conftest's report names the Dockerfile.
#
# usage: build/dockerfile-policy.sh FILE...
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
conftest=$repo/build/.bin/conftest
[[ $# -gt 0 ]] || { echo "usage: build/dockerfile-policy.sh FILE..." >&2; exit 2; }
[[ -x $conftest ]] || { echo "dockerfile-policy.sh: $conftest is missing: run build/tools/install.sh conftest" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for file in "$@"; do
  [[ -f $file ]] || { echo "dockerfile-policy.sh: $file: no such file" >&2; exit 1; }
  name=$(realpath --relative-to=. "$file")
  [[ $name != ../* ]] || name=$(basename "$file")
  mkdir -p "$tmp/$(dirname "$name")"
  jq -Rs '{dockerfile: .}' "$file" >"$tmp/$name"
  (cd "$tmp" && "$conftest" test --no-color --parser json -p "$repo/policy/dockerfile" "$name") || status=1
done
exit "$status"
