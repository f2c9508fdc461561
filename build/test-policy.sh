#!/usr/bin/env bash
# Tests policy/: the Dockerfile rules (Rego unit tests, our Dockerfile passes,
# each bad Dockerfile in testdata is denied for its stated reason), the
# admission policies, and the workflows (actionlint).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=build/.bin
build/tools/install.sh conftest actionlint
fail() { echo "test-policy.sh: FAIL: $*" >&2; exit 1; }

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

echo "test-policy.sh: actionlint"
"$bin/actionlint" -no-color
