#!/usr/bin/env bash
# Runs the workflow policy (policy/workflow) on each FILE, and fails if it
# denies any.
#
# Each allowed workflow has a policy of its own, picked by the file's name:
# ci.yml by package main (workflow.rego), scorecard.yml by workflow.scorecard,
# codeql.yml by workflow.codeql. A file in .github/workflows with any other
# name has no policy and fails. A fixture elsewhere (policy/workflow/denied)
# names the workflow it stands for in a "# workflow: NAME" line, ci.yml when
# it has none.
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
# namespace FILE: the policy package that checks FILE.
namespace() {
  local name
  if [[ $(basename "$(dirname "$1")") == workflows && $(basename "$(dirname "$(dirname "$1")")") == .github ]]; then
    name=$(basename "$1")
  else
    name=$(sed -n 's/^# workflow: //p' "$1" | head -n1)
    name=${name:-ci.yml}
  fi
  case $name in
    ci.yml) echo main ;;
    scorecard.yml) echo workflow.scorecard ;;
    codeql.yml) echo workflow.codeql ;;
    *) return 1 ;;
  esac
}

status=0
for file in "$@"; do
  [[ -f $file ]] || { echo "workflow-policy.sh: $file: no such file" >&2; exit 1; }
  if ! ns=$(namespace "$file"); then
    echo "FAIL - $file - workflow - no policy in policy/workflow checks a workflow of this name; the allowed workflows are ci.yml, scorecard.yml and codeql.yml"
    status=1
    continue
  fi
  if lines=$(grep -nEi '(:|^[[:space:]]*-)[[:space:]]+(y|yes|n|no|on|off)[[:space:]]*(#.*)?$|^[[:space:]]*(y|yes|n|no|on|off)[[:space:]]*(#.*)?$' "$file"); then
    echo "FAIL - $file - yaml - a YAML 1.1 boolean (yes/no/on/off/y/n), which GitHub passes as a string: write true or false: ${lines//$'\n'/; }"
    status=1
  fi
  if lines=$(grep -nE '(^|[[:space:]:,{-]|\[)[&*!][A-Za-z0-9_!]' "$file"); then
    echo "FAIL - $file - yaml - a YAML anchor, alias or tag, whose value policy/workflow reads and GitHub may not: ${lines//$'\n'/; }"
    status=1
  fi
  "$conftest" test --no-color -p "$repo/policy/workflow" --namespace "$ns" "$file" || status=1
done
exit "$status"
