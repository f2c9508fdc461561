#!/usr/bin/env bash
# Tests policy/: the Dockerfile rules (Rego unit tests, our Dockerfile passes,
# each bad Dockerfile in testdata is denied for its stated reason), the
# attestation policies' unit tests, the admission policies' structure and
# the conditions they embed, the SLSA Build L3 provenance policy against a
# statement the SLSA generator really signed (verified offline, as
# SECURITY.md tells users to), and the workflows (each by its policy in
# policy/workflow, then actionlint). build/supply-chain/test.sh runs the
# admission policy against real signed images.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin=build/.bin
build/tools/install.sh conftest actionlint cosign
fail() { echo "test-policy.sh: FAIL: $*" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

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

for x in spdx cyclonedx provenance provenance-slsa3; do
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

# The Rego that cip-keyless.yaml embeds, run as the policy-controller runs
# it (package sigstore, isCompliant), on the fixtures: wrap RULE FILE DIR
# puts the policy at RULE (a jq path into the parsed file) into DIR with a
# deny rule over isCompliant.
wrap() {
  mkdir -p "$3"
  "$bin/conftest" parse "$2" | jq -er "$1" >"$3/embedded.rego" || fail "$2 holds no $1"
  printf '%s\n' 'package main' '' 'import rego.v1' '' 'deny contains msg if {' \
    '	some r in data.sigstore.isCompliant' '	not r.result' '	msg := r.error' '}' >"$3/wrap.rego"
}
echo "test-policy.sh: cip-keyless.yaml's L3 provenance conditions pass the allowed statements and refuse the bypasses they cover"
wrap '.spec.authorities[1].attestations[0].policy.data' policy/admission/cip-keyless.yaml "$scratch/l3"
"$bin/conftest" test --no-color -p "$scratch/l3" policy/attestations/provenance-slsa3/testdata/*.json
# The classes the controller does not settle before the policy runs (it
# picks the attestations by predicate type and by the admitted digest).
for class in builder-branch-ref builder-commit-ref builder-generic-generator builder-missing builder-other-tag \
  builder-our-workflow build-type-generic entry-point-other-workflow environment-ref-mismatch environment-sha-mismatch \
  event-pull-request event-workflow-dispatch invocation-missing material-other-commit materials-none materials-two \
  predicate-key-unknown source-commit-short source-digest-sha256 source-fork source-other-branch source-pull-request \
  source-tag-not-a-version workflow-inputs; do
  fixture=policy/attestations/provenance-slsa3/denied/$class.json
  if "$bin/conftest" test --no-color -p "$scratch/l3" "$fixture" >/dev/null 2>&1; then
    fail "cip-keyless.yaml's L3 conditions admit $fixture"
  fi
done
echo "test-policy.sh: cip-keyless.yaml's spec.policy requires both authorities and the L3 certificate's run (policy/admission/testdata/cip-keyless-policy)"
wrap '.spec.policy.data' policy/admission/cip-keyless.yaml "$scratch/both"
"$bin/conftest" test --no-color -p "$scratch/both" policy/admission/testdata/cip-keyless-policy/admitted.json
for fixture in policy/admission/testdata/cip-keyless-policy/refused-*.json; do
  expect=$(head -n1 "${fixture%.json}.expect")
  if result=$("$bin/conftest" test --no-color -p "$scratch/both" "$fixture" 2>&1); then fail "$fixture was admitted; want: $expect"; fi
  grep -qF -- "$expect" <<<"$result" || fail "$fixture was refused, but not for \"$expect\":"$'\n'"$result"
  echo "test-policy.sh: refused: $fixture: $expect"
done

# The L3 provenance policy against what the generator really signs: an
# image that slsa-github-generator v2.1.0's container workflow attested
# for slsa-framework/example-package, saved with `cosign save` into
# slsa-verifier's test data. Both it and the Sigstore trusted root that
# verifies it come as the Go modules they are part of, each pinned by
# version and go.sum hash (which the Go checksum database also vouches
# for): slsa-verifier v2.7.1, cli/slsa-verifier/testdata/
# gha_generic_container/v2.1.0/container_workflow_dispatch; and the
# public-good trusted_root.json that sigstore/sigstore v1.10.11 (cosign's
# own dependency) embeds from Sigstore's TUF repository.
module_dir() { # MODULE@VERSION SUM: the module's directory in the module cache
  local json
  json=$(cd "$scratch" && go mod download -json "$1") || fail "go mod download $1: $json"
  [[ $(jq -r .Sum <<<"$json") == "$2" ]] || fail "$1 has hash $(jq -r .Sum <<<"$json"), want $2"
  jq -r .Dir <<<"$json"
}
layout=$(module_dir github.com/slsa-framework/slsa-verifier/v2@v2.7.1 h1:UofvmqdJysF8K13h42/NVD+7IFQjZBOWMDmfZsLUimw=)/cli/slsa-verifier/testdata/gha_generic_container/v2.1.0/container_workflow_dispatch
trusted_root=$(module_dir github.com/sigstore/sigstore@v1.10.11 h1:fjrwDfR0AWmRONYV/hKGJyqbT0osMtaBz9FTZ6MH9XI=)/pkg/tuf/repository/targets/trusted_root.json
generator=$(sed -n 's/^generator := "\(.*\)"$/\1/p' policy/attestations/provenance-slsa3/policy.rego)
[[ $generator == https://* ]] || fail "policy/attestations/provenance-slsa3/policy.rego names no generator"
# Offline, as SECURITY.md's air-gapped verification: no network namespace
# where user namespaces allow it, and in any case an empty HOME (no cached
# TUF root) and the trusted root from a file.
offline=()
if unshare -rn true 2>/dev/null; then offline=(unshare -rn); else echo "test-policy.sh: (no network namespace here: offline by --trusted-root alone)"; fi
mkdir -p "$scratch/home"
verify_real() {
  HOME=$scratch/home "${offline[@]}" "$bin/cosign" verify-attestation --local-image --trusted-root "$trusted_root" \
    --certificate-identity "$generator" --certificate-oidc-issuer https://token.actions.githubusercontent.com \
    --type https://slsa.dev/provenance/v0.2 "$@" "$layout"
}
echo "test-policy.sh: the generator's real v2.1.0 attestation verifies offline (cosign, a trusted root, a cosign save layout)"
verify_real >"$scratch/real.jsonl" 2>"$scratch/cosign.log" || fail "cosign could not verify the generator's attestation offline:"$'\n'"$(tail -5 "$scratch/cosign.log")"
head -n1 "$scratch/real.jsonl" | jq '.payload | @base64d | fromjson' >"$scratch/real.json"
if verify_real --certificate-github-workflow-repository product-catalog/product-catalog >/dev/null 2>&1; then
  fail "the generator's attestation for slsa-framework/example-package verified as a run of product-catalog/product-catalog"
fi
echo "test-policy.sh: refused: its certificate names another repository's run (--certificate-github-workflow-repository)"
if verify_real --policy policy/attestations/provenance-slsa3/policy.rego >/dev/null 2>"$scratch/cosign.log"; then
  fail "cosign let policy/attestations/provenance-slsa3 admit another repository's provenance"
fi
grep -q 'validation errors occurred' "$scratch/cosign.log" || fail "cosign did not evaluate policy/attestations/provenance-slsa3:"$'\n'"$(tail -3 "$scratch/cosign.log")"
echo "test-policy.sh: refused by cosign with policy/attestations/provenance-slsa3 (Rego v0, as cosign reads it)"
want="invocation.configSource.uri is git+https://github.com/slsa-framework/example-package@refs/heads/main"
result=$("$bin/conftest" test --no-color -p policy/attestations/provenance-slsa3/policy.rego --namespace signature "$scratch/real.json" 2>&1) &&
  fail "policy/attestations/provenance-slsa3 admits slsa-framework/example-package's provenance"
grep -qF -- "$want" <<<"$result" || fail "the generator's real statement was refused, but not for \"$want\":"$'\n'"$result"
if "$bin/conftest" test --no-color -p "$scratch/l3" "$scratch/real.json" >/dev/null 2>&1; then
  fail "cip-keyless.yaml's L3 conditions admit slsa-framework/example-package's provenance"
fi
echo "test-policy.sh: refused: the real statement names another repository ($want), by the policy and by cip-keyless.yaml"
# The same statement with only what names its repository, workflow, event
# and image made ours: every other field as the generator wrote it passes.
jq '.subject[0].name = "ghcr.io/product-catalog/product-catalog"
  | .predicate.invocation.configSource.uri = "git+https://github.com/product-catalog/product-catalog@refs/heads/main"
  | .predicate.materials[0].uri = .predicate.invocation.configSource.uri
  | .predicate.invocation.configSource.entryPoint = ".github/workflows/ci.yml"
  | .predicate.invocation.environment.github_event_name = "push"
  | .predicate.invocation.environment.github_repository_owner = "product-catalog"' "$scratch/real.json" >"$scratch/ours.json"
"$bin/conftest" test --no-color -p policy/attestations/provenance-slsa3/policy.rego --namespace signature "$scratch/ours.json"
"$bin/conftest" test --no-color -p "$scratch/l3" "$scratch/ours.json"
echo "test-policy.sh: allowed: the real statement with its repository, workflow, event and image ours"

jq -e '(.go | length > 0) and (.os | length > 0) and (.reviewed | type == "object")' \
  policy/sbom/licenses.json >/dev/null || fail "policy/sbom/licenses.json lacks go, os or reviewed"

echo "test-policy.sh: the NetworkPolicy (policy/deploy)"
"$bin/conftest" test --no-color -p policy/deploy deploy/base/networkpolicy.yaml

# Each overlay as kubectl kustomize renders it, read whole (--combine), holds
# what docs/kubernetes.md promises (policy/deploy/rendered.rego, package
# rendered); each denied/*.yaml, a rendering with one bypass, is refused for
# its "# expect:" reason. kubectl is the one make test-k8s builds.
build/tools/install.sh kubectl
deploy_policy() { "$bin/conftest" test --no-color --combine --namespace rendered -p policy/deploy "$@"; }
[[ -d deploy/overlays/ko && -d deploy/overlays/dockerfile ]] || fail "deploy/overlays lacks ko or dockerfile"
for overlay in deploy/overlays/*/; do
  overlay=${overlay%/}
  echo "test-policy.sh: $overlay, rendered, holds what docs/kubernetes.md promises (policy/deploy)"
  "$bin/kubectl" kustomize "$overlay" >"$scratch/rendered.yaml" || fail "kubectl kustomize $overlay"
  deploy_policy "$scratch/rendered.yaml"
done
echo "test-policy.sh: the denied renderings (policy/deploy/denied)"
expect_denied policy/deploy deploy_policy

echo "test-policy.sh: the workflows' structure (policy/workflow: ci.yml, scorecard.yml, codeql.yml)"
build/workflow-policy.sh .github/workflows/ci.yml .github/workflows/scorecard.yml .github/workflows/codeql.yml

echo "test-policy.sh: the denied workflows (policy/workflow/denied)"
expect_denied policy/workflow build/workflow-policy.sh

# policy/workflow has a policy for these three files only: any other
# workflow, or a local action, would go unchecked.
for f in .github/workflows/* .github/workflows/.[!.]*; do
  [[ -e $f ]] || continue
  case $f in
    .github/workflows/ci.yml | .github/workflows/scorecard.yml | .github/workflows/codeql.yml) ;;
    *) fail "$f: only ci.yml, scorecard.yml and codeql.yml are allowed (policy/workflow checks each)" ;;
  esac
done
[[ ! -e .github/actions ]] || fail ".github/actions: local actions are outside policy/workflow"

# One SLSA generator version wherever it is named: the tag ci.yml calls
# (policy/workflow holds ci.yml to it) is the builder every policy that
# reads the provenance, verify.sh and the documentation accept.
called=$(sed -nE 's|^ *uses: slsa-framework/slsa-github-generator/\.github/workflows/generator_container_slsa3\.yml@(v[^ ]+)$|\1|p' .github/workflows/ci.yml | sort -u)
[[ $called =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "ci.yml calls the SLSA generator at '${called//$'\n'/, }', want one vX.Y.Z tag"
named=$(grep -hoE 'generator_container_slsa3\.yml@(refs/tags/)?v[0-9][0-9A-Za-z.+-]*' \
  policy/attestations/provenance-slsa3/policy.rego policy/admission/*.yaml policy/admission/structure/structure.rego \
  SECURITY.md docs/supply-chain.md policy/README.md | sed -E 's/.*@(refs\/tags\/)?//' | sort -u)
[[ $named == "$called" ]] || fail "the SLSA generator is named at ${named//$'\n'/, }; ci.yml calls $called"
echo "test-policy.sh: the SLSA generator is $called everywhere it is named"
echo "test-policy.sh: actionlint"
"$bin/actionlint" -no-color
