#!/usr/bin/env bash
# Runs the workflow policy (policy/workflow) on each FILE, and fails if it
# denies any.
#
# Before conftest, the raw text is checked for what conftest cannot see:
# it reads YAML 1.1, where yes/no/on/off/y/n are booleans, while GitHub
# passes them to actions as strings ("fail-build: yes" is a scan that only
# warns); and anchors, aliases and tags (&x, *x, !!str) bring values to
# keys in a form no line shows.
#
# usage: build/workflow-policy.sh FILE...
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
conftest=$repo/build/.bin/conftest
[[ $# -gt 0 ]] || { echo "usage: build/workflow-policy.sh FILE..." >&2; exit 2; }
[[ -x $conftest ]] || { echo "workflow-policy.sh: $conftest is missing: run build/tools/install.sh conftest" >&2; exit 1; }
status=0
for file in "$@"; do
  [[ -f $file ]] || { echo "workflow-policy.sh: $file: no such file" >&2; exit 1; }
  if lines=$(grep -nEi '(:|^[[:space:]]*-)[[:space:]]+(y|yes|n|no|on|off)[[:space:]]*(#.*)?$|^[[:space:]]*(y|yes|n|no|on|off)[[:space:]]*(#.*)?$' "$file"); then
    echo "FAIL - $file - yaml - a YAML 1.1 boolean (yes/no/on/off/y/n), which GitHub passes as a string: write true or false: ${lines//$'\n'/; }"
    status=1
  fi
  if lines=$(grep -nE '(^|[[:space:]:,{-]|\[)[&*!][A-Za-z0-9_!]' "$file"); then
    echo "FAIL - $file - yaml - a YAML anchor, alias or tag, whose value policy/workflow reads and GitHub may not: ${lines//$'\n'/; }"
    status=1
  fi
  "$conftest" test --no-color -p "$repo/policy/workflow" "$file" || status=1
done
exit "$status"
