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
build/dockerfile-policy.sh Dockerfile

# expect_denied DIR COMMAND...: every fixture in DIR/denied must be
# refused, and the refusal must contain the fixture's "# expect:" line (for
# JSON, which has no comments, the one line of a NAME.expect file beside it),
# so a fixture that is denied for some other reason does not count. Each
# refusal is printed, so the log shows which rule refused what.
expect_denied() {
  local dir=$1; shift
  local fixtures=("$dir"/denied/*)
  [[ -e ${fixtures[0]} ]] || fail "$dir/denied holds no fixtures"
  for bad in "${fixtures[@]}"; do
    [[ $bad == *.expect ]] && continue
    local expect result
    if [[ -f ${bad%.*}.expect ]]; then
      expect=$(head -n1 "${bad%.*}.expect")
    else
      expect=$(sed -n 's/^# expect: //p' "$bad" | head -n1)
    fi
    : "${expect:?$bad has no '# expect:' line}"
    if result=$("$@" "$bad" 2>&1); then
      fail "$bad was accepted; want a denial: $expect"
    fi
    grep -qF -- "$expect" <<<"$result" || fail "$bad was denied, but not for \"$expect\":"$'\n'"$result"
    echo "test-policy.sh: denied: $bad: $(grep -F -- "$expect" <<<"$result" | head -n1 | sed 's/^FAIL - .* - [a-z]* - //')"
  done
}

echo "test-policy.sh: the denied Dockerfiles (policy/dockerfile/denied)"
expect_denied policy/dockerfile build/dockerfile-policy.sh

for x in spdx cyclonedx provenance; do
  echo "test-policy.sh: the denied $x attestations (policy/attestations/$x/denied)"
  expect_denied "policy/attestations/$x" "$bin/conftest" test --no-color -p "policy/attestations/$x/policy.rego" --namespace signature
  echo "test-policy.sh: the allowed $x attestations (policy/attestations/$x/testdata)"
  "$bin/conftest" test --no-color -p "policy/attestations/$x/policy.rego" --namespace signature "policy/attestations/$x/testdata/"*.json
done

for dir in policy/attestations/*/ policy/admission/structure/ policy/workflow/ policy/deploy/; do
  echo "test-policy.sh: conftest verify -p $dir"
  "$bin/conftest" verify --no-color -p "$dir"
done

# Every file beside the four, whatever its extension, since kubectl apply -f
# policy/admission/ would apply it; read raw (--parser ignore) because
# conftest's YAML reader splits documents only at a bare --- line.
echo "test-policy.sh: the admission policies equal their canonical forms (policy/admission/structure)"
mapfile -t admission < <(find policy/admission -maxdepth 1 -type f | sort)
"$bin/conftest" test --no-color --combine --parser ignore -p policy/admission/structure "${admission[@]}"

echo "test-policy.sh: the denied admission policies (policy/admission/denied)"
expect_denied policy/admission "$bin/conftest" test --no-color --combine --parser ignore -p policy/admission/structure

jq -e '(.go | length > 0) and (.os | length > 0) and (.reviewed | type == "object")' \
  policy/sbom/licenses.json >/dev/null || fail "policy/sbom/licenses.json lacks go, os or reviewed"

echo "test-policy.sh: the NetworkPolicy (policy/deploy)"
"$bin/conftest" test --no-color -p policy/deploy deploy/base/networkpolicy.yaml

echo "test-policy.sh: the workflow's structure (policy/workflow)"
build/workflow-policy.sh .github/workflows/ci.yml

echo "test-policy.sh: the denied workflows (policy/workflow/denied)"
expect_denied policy/workflow build/workflow-policy.sh

# policy/workflow reads ci.yml only: any other workflow, or a local action,
# would go unchecked.
for f in .github/workflows/*; do
  [[ $f == .github/workflows/ci.yml ]] || fail "$f: only ci.yml is allowed (policy/workflow checks it)"
done
[[ ! -e .github/actions ]] || fail ".github/actions: local actions are outside policy/workflow"
echo "test-policy.sh: actionlint"
"$bin/actionlint" -no-color
