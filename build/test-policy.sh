#!/usr/bin/env bash
# Tests policy/: the Dockerfile rules (Rego unit tests, our Dockerfile passes,
# each bad Dockerfile in testdata is denied for its stated reason), the
# attestation policies' unit tests, the admission policies' structure, and
# the workflow (its structure by policy/workflow, then actionlint). build/supply-chain/test.sh runs the admission
# policy against real signed images.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=build/.bin
build/tools/install.sh conftest actionlint
fail() { echo "test-policy.sh: FAIL: $*" >&2; exit 1; }

echo "test-policy.sh: the Rego is formatted (conftest fmt)"
"$bin/conftest" fmt --check policy >/dev/null || fail "policy/ needs formatting: run build/.bin/conftest fmt policy"

echo "test-policy.sh: conftest verify (Rego unit tests)"
"$bin/conftest" verify --no-color -p policy/dockerfile

echo "test-policy.sh: our Dockerfile passes"
"$bin/conftest" test --no-color --parser dockerfile -p policy/dockerfile Dockerfile

for bad in policy/dockerfile/testdata/*.Dockerfile; do
  expect=$(sed -n 's/^# expect: //p' "$bad")
  : "${expect:?$bad has no '# expect:' line}"
  if result=$("$bin/conftest" test --no-color --parser dockerfile -p policy/dockerfile "$bad" 2>&1); then
    fail "$bad was accepted; want a denial: $expect"
  fi
  grep -qF -- "$expect" <<<"$result" || fail "$bad was denied, but not for \"$expect\":"$'\n'"$result"
  echo "test-policy.sh: denied as expected: $bad"
done

for dir in policy/attestations/*/ policy/admission/structure/ policy/workflow/ policy/deploy/; do
  echo "test-policy.sh: conftest verify -p $dir"
  "$bin/conftest" verify --no-color -p "$dir"
done

echo "test-policy.sh: the admission policies' structure (policy/admission/structure)"
"$bin/conftest" test --no-color --combine -p policy/admission/structure policy/admission/*.yaml

jq -e '(.go | length > 0) and (.os | length > 0) and (.reviewed | type == "object")' \
  policy/sbom/licenses.json >/dev/null || fail "policy/sbom/licenses.json lacks go, os or reviewed"

echo "test-policy.sh: the NetworkPolicy (policy/deploy)"
"$bin/conftest" test --no-color -p policy/deploy deploy/base/networkpolicy.yaml

echo "test-policy.sh: the workflow's structure (policy/workflow)"
"$bin/conftest" test --no-color -p policy/workflow .github/workflows/ci.yml

echo "test-policy.sh: actionlint"
"$bin/actionlint" -no-color
