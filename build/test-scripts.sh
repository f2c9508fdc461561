#!/usr/bin/env bash
# Unit tests of the scripts, with no registry and no Sigstore. Each
# supply-chain script runs from a copy of build/supply-chain in a scratch
# tree whose build/.bin holds fake crane and cosign commands, so a test can
# make them answer what a real registry or cosign rarely does.
#   - verify.sh always fails with a reason, whatever cosign prints, and
#     holds every statement cosign verified, as signed, to its policy (as
#     SECURITY.md's by-hand check does);
#   - sbom-audit.sh never follows a symlink out of the image's files;
#   - vulncheck.sh fails on a binary with a known vulnerability;
#   - release-assets.sh signs keyless only, into a new directory, for one
#     version tag, and nothing when a verification fails; it accepts only
#     attestations, L3 provenance and bundles of that tag's run (an older
#     release's or main's are refused);
#   - release-publish.sh publishes only a new release, with exactly the
#     assets it was given, each with its bundle (a fake gh);
#   - platform-digests.sh reads an index's platform manifests, leaving out
#     attestation manifests only;
#   - lib.sh's oci_purl spells base images as the purl spec wants;
#   - the Makefile refuses a hostile VERSION (from a git tag) before any
#     recipe runs;
#   - the OpenAPI linter fails the document when it loses what its rules
#     ask for;
#   - build/k8s/pin.sh pins an overlay to a digest and refuses anything else;
#   - build/k8s/kind.sh (the hosted job) refuses bad inputs, naming them,
#     before it builds or starts anything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "test-scripts.sh: scratch tree in $work"
fail() { echo "test-scripts.sh: FAIL: $*" >&2; exit 1; }
passed=0
ok() { echo "test-scripts.sh: ok: $*"; passed=$((passed + 1)); }

tree=$work/tree
mkdir -p "$tree/build/supply-chain" "$tree/build/.bin" "$tree/policy"
cp "$root"/build/supply-chain/*.sh "$tree/build/supply-chain/"
cp -r "$root/policy/attestations" "$root/policy/sbom" "$root/policy/vulnerabilities" "$tree/policy/"
# vulncheck.sh builds the gate that judges govulncheck's report from source.
mkdir -p "$tree/build/vulngate"
cp "$root/go.mod" "$root/go.sum" "$tree/"
cp "$root"/build/vulngate/*.go "$tree/build/vulngate/"
image=127.0.0.1:5000/product-catalog@sha256:$(printf '%064d' 0)
touch "$work/cosign.pub"

# fake NAME BODY: a command in the scratch tree's build/.bin.
fake() {
  printf '#!/usr/bin/env bash\n%s\n' "$2" >"$tree/build/.bin/$1"
  chmod +x "$tree/build/.bin/$1"
}

# verify.sh: cosign fails in ways the reason mapping does not know.
# shellcheck disable=SC2016 # the fakes' bodies expand when they run
fake cosign '[[ $1 == trusted-root ]] && { touch "$4"; exit 0; }
printf "%b" "$COSIGN_SAYS" >&2; exit 1'
for case in \
  "no error line|panic: runtime error: index out of range\ngoroutine 1 [running]:\n|panic: runtime error" \
  "an unknown error|Error: registry answered 418 I'm a teapot\n|registry answered 418" \
  "nothing at all||it printed nothing" \
  "no signature|Error: no signatures found\n|has no signature"; do
  IFS='|' read -r name says want <<<"$case"
  if out=$(COSIGN_SAYS=$says COSIGN_PUB=$work/cosign.pub "$tree/build/supply-chain/verify.sh" "$image" 2>&1); then
    fail "verify.sh passed when cosign failed with $name"
  fi
  if ! grep -F "FAIL: signature:" <<<"$out" >/dev/null || ! grep -F -- "$want" <<<"$out" >/dev/null; then
    fail "verify.sh, cosign failing with $name: want 'FAIL: signature: ...$want...', got:"$'\n'"$out"
  fi
  ok "verify.sh names a reason when cosign fails with $name: $(grep -F 'FAIL' <<<"$out" | head -c 120)"
done

# release-assets.sh: keyless only, into a new directory, images by digest;
# and a verification that fails stops it before anything is signed.
assets_says() { # WANT ARGS...: release-assets.sh fails, naming WANT (VERSION v1.2.3 unless set)
  local want=$1 out
  shift
  if out=$(VERSION=${VERSION-v1.2.3} "$tree/build/supply-chain/release-assets.sh" "$@" 2>&1); then fail "release-assets.sh $* passed"; fi
  grep -qF -- "$want" <<<"$out" || fail "release-assets.sh $*: want '$want', got:"$'\n'"$out"
  ok "release-assets.sh refuses: $want"
}
mkdir -p "$work/assets-exist" "$tree/build/tools"
# The scratch tree's install.sh builds nothing: the fakes are the tools.
printf '#!/bin/sh\nexit 0\n' >"$tree/build/tools/install.sh"
chmod +x "$tree/build/tools/install.sh"
COSIGN_KEY=$work/cosign.key assets_says "signed keyless" "$work/assets-key" "$image"
assets_says "the assets go into a new directory" "$work/assets-exist" "$image"
assets_says "is not pinned by digest" "$work/assets-tag" "${image%@*}:v1.0.0"
COSIGN_SAYS='Error: no matching attestations\n' assets_says "has no such attestation" "$work/assets-unverified" "$image"
if compgen -G "$work/assets-unverified/*.sigstore.json" >/dev/null; then fail "release-assets.sh signed after a failed verification"; fi
ok "release-assets.sh signs nothing when verification fails"
for v in "" main 1.2.3 "v1;touch x" vfoo; do
  VERSION=$v assets_says "is not a version tag" "$work/assets-version" "$image"
done

# release-assets.sh binds every signature to the release's tag. The fake
# cosign below verifies as cosign does for what is checked here: an exact
# --certificate-identity must equal the signer, a regexp must match it,
# --certificate-github-workflow-ref must equal the L3 run's ref; sign-blob
# writes its signer into the bundle, and verify-blob reads it back.
ours=https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags
# shellcheck disable=SC2016 # the fake's body expands when it runs
fake cosign 'echo "$*" >>"$COSIGN_LOG"
cmd=$1; shift
identity="" regexp="" bundle="" type="" ref=""
while (($# > 0)); do
  case $1 in
    --certificate-identity) identity=$2; shift ;;
    --certificate-identity-regexp) regexp=$2; shift ;;
    --bundle) bundle=$2; shift ;;
    --type) type=$2; shift ;;
    --certificate-github-workflow-ref) ref=$2; shift ;;
  esac
  shift
done
signed_by() { if [[ -n $identity ]]; then [[ $1 == "$identity" ]]; else [[ $1 =~ $regexp ]]; fi; }
case $cmd in
  verify) signed_by "$SIGNER" || { echo "Error: no matching signatures: none of the expected identities matched" >&2; exit 1; } ;;
  verify-attestation)
    if [[ $type == https://slsa.dev/provenance/v0.2 ]]; then
      [[ -z $ref || $ref == "$L3_REF" ]] || { echo "Error: no matching attestations: expected GitHub Workflow Ref not found" >&2; exit 1; }
    else
      signed_by "$SIGNER" || { echo "Error: no matching attestations: none of the expected identities matched" >&2; exit 1; }
    fi
    # What cosign prints for a verified attestation: its envelope, here
    # around a statement that passes the policy (policy/attestations/*/
    # testdata); for $STATEMENT_TYPE, around $STATEMENT, or the lines of
    # $ENVELOPES as they are.
    case $type in
      spdxjson) statement=spdx/testdata/allowed.json ;;
      cyclonedx) statement=cyclonedx/testdata/allowed.json ;;
      slsaprovenance1) statement=provenance/testdata/allowed.json ;;
      https://slsa.dev/provenance/v0.2) statement=provenance-slsa3/testdata/allowed-tag.json ;;
      *) echo "fake cosign: type $type" >&2; exit 1 ;;
    esac
    statement=$(dirname "$0")/../../policy/attestations/$statement
    if [[ $type == "${STATEMENT_TYPE:-}" ]]; then
      [[ -z ${ENVELOPES:-} ]] || { cat "$ENVELOPES"; exit 0; }
      statement=$STATEMENT
    fi
    printf "{\"payload\": \"%s\"}\n" "$(base64 -w0 <"$statement")" ;;
  sign-blob) printf "%s" "${BLOB_SIGNER:-$SIGNER}" >"$bundle" ;;
  verify-blob) signed_by "$(cat "$bundle")" || { echo "Error: none of the expected identities matched" >&2; exit 1; } ;;
  *) echo "fake cosign: $cmd" >&2; exit 1 ;;
esac'
# shellcheck disable=SC2016 # the fake's body expands when it runs
fake crane 'case $1 in
  manifest) echo "{\"schemaVersion\": 2, \"config\": {}}" ;;
  *) echo "fake crane: $*" >&2; exit 1 ;;
esac'
# verify.sh holds each statement, as signed, to its policy with conftest.
"$root/build/tools/install.sh" conftest >&2
ln -sf "$(readlink -f "$root/build/.bin/conftest")" "$tree/build/.bin/conftest"
ko_image=127.0.0.1:5000/product-catalog-ko@sha256:$(printf '%064d' 1)
export COSIGN_LOG=$work/cosign.log
: >"$COSIGN_LOG"
out=$(VERSION=v1.2.3 SIGNER=$ours/v1.2.3 L3_REF=refs/tags/v1.2.3 \
  "$tree/build/supply-chain/release-assets.sh" "$work/assets-ok" "$image" "$ko_image" 2>&1) ||
  fail "release-assets.sh refused a release whose attestations are all of its own tag:"$'\n'"$out"
for name in images.txt product-catalog.spdx.json product-catalog.cdx.json product-catalog.intoto.jsonl \
  product-catalog-ko.spdx.json product-catalog-ko.cdx.json product-catalog-ko.intoto.jsonl; do
  [[ -s $work/assets-ok/$name && -s $work/assets-ok/$name.sigstore.json ]] || fail "release-assets.sh wrote no $name with its bundle"
done
grep -E '^verify-blob ' "$COSIGN_LOG" | grep -qvF -- "--certificate-identity $ours/v1.2.3 " &&
  fail "release-assets.sh checked a bundle without the release's exact identity:"$'\n'"$(grep '^verify-blob' "$COSIGN_LOG")"
grep -qE '^verify-blob .*--certificate-identity-regexp' "$COSIGN_LOG" && fail "release-assets.sh checked a bundle against a pattern"
ok "release-assets.sh writes and signs every asset when all is of v1.2.3, and checks each bundle with exactly $ours/v1.2.3"
for case in \
  "an older release's attestations|SIGNER=$ours/v1.0.0|does not verify with this release's identity ($ours/v1.2.3)" \
  "attestations from main|SIGNER=https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main|does not verify with this release's identity" \
  "L3 provenance of a run of main|L3_REF=refs/heads/main|does not verify as made in a run of refs/tags/v1.2.3" \
  "a bundle signed by an older release|BLOB_SIGNER=$ours/v1.0.0|its own bundle does not verify with this release's identity"; do
  IFS='|' read -r what setting want <<<"$case"
  rm -rf "$work/assets-swap"
  if out=$(env VERSION=v1.2.3 SIGNER="$ours/v1.2.3" L3_REF=refs/tags/v1.2.3 "$setting" \
    "$tree/build/supply-chain/release-assets.sh" "$work/assets-swap" "$image" 2>&1); then
    fail "release-assets.sh for v1.2.3 accepted $what"
  fi
  grep -qF -- "$want" <<<"$out" || fail "release-assets.sh, $what: want '$want', got:"$'\n'"$out"
  ok "release-assets.sh for v1.2.3 refuses $what: $want"
done

# verify.sh: a statement that cosign passes (this fake ignores --policy;
# the real one sees the statement re-encoded, without the keys in-toto's
# Statement does not know) is still held to its policy as signed, for
# every attestation it checks.
# verify_refuses WHAT POLICY_DIR WANT VAR=VALUE...: verify.sh, with the fake
# cosign set by the VARs, fails: the statement as signed fails
# policy/attestations/POLICY_DIR, for a reason holding WANT.
verify_refuses() {
  local what=$1 dir=$2 want=$3 out
  shift 3
  if out=$(env SIGNER="$ours/v1.2.3" L3_REF=refs/tags/v1.2.3 "$@" "$tree/build/supply-chain/verify.sh" "$image" 2>&1); then
    fail "verify.sh passed $what"
  fi
  if ! grep -qF "as signed, fails policy/attestations/$dir/policy.rego" <<<"$out" || ! grep -qF -- "$want" <<<"$out"; then
    fail "verify.sh, $what: want 'as signed, fails policy/attestations/$dir/policy.rego' and '$want', got:"$'\n'"$out"
  fi
}
for case in \
  "spdxjson|spdx|subject-two" \
  "cyclonedx|cyclonedx|subject-none" \
  "slsaprovenance1|provenance|statement-type" \
  "https://slsa.dev/provenance/v0.2|provenance-slsa3|subject-two"; do
  IFS='|' read -r type dir fixture <<<"$case"
  statement=$root/policy/attestations/$dir/denied/$fixture.json
  verify_refuses "a $type attestation whose statement, as signed, is $dir/denied/$fixture" "$dir" \
    "$(head -n1 "${statement%.json}.expect")" STATEMENT_TYPE="$type" STATEMENT="$statement"
  ok "verify.sh holds the $type statement as signed to its policy: $dir/denied/$fixture refused"
done
out=$(SIGNER=$ours/v1.2.3 L3_REF=refs/tags/v1.2.3 "$tree/build/supply-chain/verify.sh" "$image" 2>&1) ||
  fail "verify.sh refused statements that pass every policy:"$'\n'"$out"
ok "verify.sh passes statements that pass every policy (policy/attestations/*/testdata)"
# What cosign prints, whatever it is, fails verify.sh closed unless every
# envelope holds a statement that passes; a statement is read as the JSON
# it is (conftest reads stdin as YAML unless told).
envelope() { # FILE [KEY]: a one-line envelope around FILE's bytes, under KEY (payload)
  jq -cn --arg key "${2:-payload}" --arg p "$(base64 -w0 <"$1")" '{($key): $p}'
}
allowed=$root/policy/attestations/spdx/testdata/allowed.json
denied=$root/policy/attestations/spdx/denied/subject-two.json
sed 's|"https://in-toto.io/|"https:\\/\\/in-toto.io\\/|' "$allowed" >"$work/escaped-slash.json"
grep -qF 'https:\/\/in-toto.io\/' "$work/escaped-slash.json" || fail "the escaped-slash statement has no \\/"
printf '[]' >"$work/array.json"
for case in \
  "a good envelope, then one whose statement fails|$(envelope "$allowed")\n$(envelope "$denied")|want exactly one: the image" \
  "a bad last envelope without a newline|$(envelope "$allowed")\n$(envelope "$denied")|want exactly one: the image|no newline" \
  "a line that is not JSON|$(envelope "$allowed")\nnot an envelope|is not one JSON object" \
  "an envelope with payload and PAYLOAD|$(jq -c --argjson b "$(envelope "$denied")" '. + {PAYLOAD: $b.payload}' <<<"$(envelope "$allowed")")|keys distinct whatever their case" \
  "an envelope without a payload|{\"payloadType\": \"application/vnd.in-toto+json\"}|holds no statement" \
  "a statement that is an array|$(envelope "$work/array.json")|holds no statement" \
  "nothing|\n|cosign printed no attestation"; do
  IFS='|' read -r what lines want newline <<<"$case"
  if [[ -n $newline ]]; then printf '%b' "$lines" >"$work/envelopes"; else printf '%b\n' "$lines" >"$work/envelopes"; fi
  verify_refuses "when cosign printed $what" spdx "$want" STATEMENT_TYPE=spdxjson ENVELOPES="$work/envelopes"
  ok "verify.sh refuses when cosign prints $what: $want"
done
out=$(env SIGNER=$ours/v1.2.3 L3_REF=refs/tags/v1.2.3 STATEMENT_TYPE=spdxjson STATEMENT="$work/escaped-slash.json" \
  "$tree/build/supply-chain/verify.sh" "$image" 2>&1) ||
  fail "verify.sh refused a statement that passes, written with \\/ escapes (valid JSON that YAML refuses):"$'\n'"$out"
ok "verify.sh reads a statement as JSON: one written with \\/ escapes passes"

# SECURITY.md's by-hand check of the statements as signed, run as written
# (as pasted into a shell: no -e), with the fake cosign: it passes a
# statement that passes the policy and fails one that does not, or none.
snippet=$(awk '/^```sh$/ { block = ""; inside = 1; next }
  /^```$/ { if (inside && block ~ /# Each statement cosign verified, as signed/) { printf "%s", block; exit } inside = 0; next }
  inside { block = block $0 "\n" }' "$root/SECURITY.md")
[[ -n $snippet ]] || fail "SECURITY.md holds no by-hand check of the statements as signed"
by_hand() { # VAR=VALUE...: the snippet's output, its status in $rc
  rc=0
  out=$(cd "$tree" && env PATH="$tree/build/.bin:$PATH" IMAGE="$image" GENERATOR=g ISSUER=i "$@" bash -c "$snippet" 2>&1) || rc=$?
}
by_hand
((rc == 0)) || fail "SECURITY.md's by-hand check refused a statement that passes (status $rc):"$'\n'"$out"
ok "SECURITY.md's by-hand check passes a statement that passes the policy"
statement=$root/policy/attestations/provenance-slsa3/denied/subject-two.json
by_hand STATEMENT_TYPE=https://slsa.dev/provenance/v0.2 STATEMENT="$statement"
if ((rc == 0)) || ! grep -qF -- "$(head -n1 "${statement%.json}.expect")" <<<"$out"; then
  fail "SECURITY.md's by-hand check, provenance-slsa3/denied/subject-two: want a refusal naming its reason, got (status $rc):"$'\n'"$out"
fi
ok "SECURITY.md's by-hand check refuses a statement that fails the policy: $(head -n1 "${statement%.json}.expect")"
: >"$work/no-envelopes"
by_hand STATEMENT_TYPE=https://slsa.dev/provenance/v0.2 ENVELOPES="$work/no-envelopes"
((rc != 0)) || fail "SECURITY.md's by-hand check passed when cosign printed no attestation:"$'\n'"$out"
ok "SECURITY.md's by-hand check fails when cosign printed no attestation"

# release-publish.sh: a fake gh holds one repository's releases of the tag in
# $GH_STATE (release.json, while one exists) and answers as gh does: view
# finds a published release or a draft, or says "release not found"; create
# makes the release from the files it is given (and $GH_EXTRA, an asset
# someone else adds meanwhile); api reads a published release by its tag.
# Any other command (upload, edit, delete) fails the test.
# shellcheck disable=SC2016 # the fake's body expands when it runs
fake gh 'echo "$*" >>"$GH_LOG"
state=$GH_STATE/release.json
jq_arg() { while (($# > 0)); do [[ $1 == --jq ]] && { echo "$2"; return; }; shift; done; }
case "$1 $2" in
  "release view")
    [[ -z ${GH_VIEW_FAILS:-} ]] || { echo "HTTP 502: Bad Gateway" >&2; exit 1; }
    [[ -f $state ]] || { echo "release not found" >&2; exit 1; }
    jq -r "$(jq_arg "$@")" "$state" ;;
  "release create")
    [[ ! -f $state ]] || { echo "a release with the same tag name already exists: $3" >&2; exit 1; }
    [[ " $* " == *" --verify-tag "* ]] || { echo "fake gh: create without --verify-tag" >&2; exit 1; }
    names=()
    for arg in "$@"; do [[ -f $arg ]] && names+=("${arg##*/}"); done
    [[ -z ${GH_EXTRA:-} ]] || names+=("$GH_EXTRA")
    printf "%s\n" "${names[@]}" | jq -R . | jq -s --arg tag "$3" \
      "{tag_name: \$tag, draft: false, isDraft: false, url: \"https://github.com/o/r/releases/tag/\(\$tag)\", assets: map({name: .})}" >"$state"
    echo "https://github.com/o/r/releases/tag/$3" ;;
  "api repos/$GH_REPO/releases/tags/"*)
    [[ -f $state ]] && jq -e ".draft == false" "$state" >/dev/null || { echo "HTTP 404: Not Found" >&2; exit 1; }
    jq -r "$(jq_arg "$@")" "$state" ;;
  *) echo "fake gh: not expected: $*" >&2; exit 1 ;;
esac'
export GH_LOG=$work/gh.log GH_STATE=$work/gh GH_REPO=product-catalog/product-catalog
publish() { # DIR [VAR=VALUE...]: release-publish.sh's output, its status in $rc
  local dir=$1
  shift
  rc=0
  out=$(env VERSION=v1.2.3 "$@" "$tree/build/supply-chain/release-publish.sh" "$dir" 2>&1) || rc=$?
}
fresh() { rm -rf "$GH_STATE"; mkdir -p "$GH_STATE"; : >"$GH_LOG"; }
refused() { # WANT WHAT: the last publish failed, naming WANT
  if ((rc == 0)) || ! grep -qF -- "$1" <<<"$out"; then fail "release-publish.sh, $2: want a refusal naming '$1', got (status $rc):"$'\n'"$out"; fi
}
fresh
publish "$work/assets-ok"
((rc == 0)) || fail "release-publish.sh refused a new release:"$'\n'"$out"
[[ $(jq -r '[.assets[].name] | length' "$GH_STATE/release.json") == 14 ]] || fail "release-publish.sh did not publish the 14 assets: $(cat "$GH_STATE/release.json")"
grep -q '^release create v1.2.3 --verify-tag ' "$GH_LOG" || fail "release-publish.sh did not create v1.2.3 with --verify-tag:"$'\n'"$(cat "$GH_LOG")"
ok "release-publish.sh creates a new release with --verify-tag and all 14 assets, and reads it back"
for case in \
  "a published release of the tag|{\"isDraft\": false, \"draft\": false, \"url\": \"u\", \"assets\": [{\"name\": \"images.txt\"}]}|already has a release (published" \
  "a draft of the tag, with assets of its own|{\"isDraft\": true, \"draft\": true, \"url\": \"u\", \"assets\": [{\"name\": \"evil.intoto.jsonl\"}]}|already has a release (a draft"; do
  IFS='|' read -r what existing want <<<"$case"
  fresh
  echo "$existing" >"$GH_STATE/release.json"
  publish "$work/assets-ok"
  ((rc != 0)) || fail "release-publish.sh published over $what"
  grep -qF -- "$want" <<<"$out" || fail "release-publish.sh, $what: want '$want', got:"$'\n'"$out"
  grep -q '^release create' "$GH_LOG" && fail "release-publish.sh went on to create a release beside $what"
  ok "release-publish.sh refuses $what, creating nothing"
done
fresh
publish "$work/assets-ok" GH_VIEW_FAILS=1
refused "whether a release exists is unknown" "gh release view failing"
ok "release-publish.sh stops when it cannot tell whether a release exists"
fresh
publish "$work/assets-ok" GH_EXTRA=product-catalog.evil.intoto.jsonl
refused "not exactly the assets" "an asset it did not upload"
ok "release-publish.sh fails when the published release holds an asset it did not upload"
cp -r "$work/assets-ok" "$work/assets-unsigned"
rm "$work/assets-unsigned/images.txt.sigstore.json"
fresh
publish "$work/assets-unsigned"
refused "images.txt: no Sigstore bundle" "an asset without its bundle"
[[ ! -s $GH_LOG ]] || fail "release-publish.sh called gh before checking the assets: $(cat "$GH_LOG")"
ok "release-publish.sh refuses an asset without its bundle, before calling gh"
fresh
publish "$work/assets-ok" VERSION=main
refused "is not a version tag" "VERSION=main"
ok "release-publish.sh refuses VERSION=main"

# platform-digests.sh: the release's index (platform manifests and BuildKit's
# attestation manifests) reads as the reproducible build's (platform
# manifests only); anything else differs or fails.
a=sha256:$(printf 'a%.0s' {1..64}) b=sha256:$(printf 'b%.0s' {1..64}) c=sha256:$(printf 'c%.0s' {1..64})
rebuilt=$(jq -n --arg a "$a" --arg b "$b" '{schemaVersion: 2, manifests: [
  {digest: $b, platform: {os: "linux", architecture: "arm64"}}, {digest: $a, platform: {os: "linux", architecture: "amd64"}}]}')
released=$(jq --arg c "$c" --arg a "$a" '.manifests += [{digest: $c, platform: {os: "unknown", architecture: "unknown"},
  annotations: {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": $a}}]' <<<"$rebuilt")
want="linux/amd64@$a linux/arm64@$b"
[[ $("$tree/build/supply-chain/platform-digests.sh" <<<"$rebuilt") == "$want" ]] || fail "platform-digests.sh misread the rebuilt index"
[[ $("$tree/build/supply-chain/platform-digests.sh" <<<"$released") == "$want" ]] || fail "platform-digests.sh did not leave out the attestation manifests"
ok "platform-digests.sh reads the release's index as the reproducible build's: $want"
other=$(jq --arg c "$c" '.manifests[0].digest = $c' <<<"$released")
[[ $("$tree/build/supply-chain/platform-digests.sh" <<<"$other") != "$want" ]] || fail "platform-digests.sh hid another arm64 manifest"
ok "platform-digests.sh: another platform manifest reads differently"
for case in \
  "an unannotated unknown/unknown manifest|del(.manifests[2].annotations)|unknown/unknown@" \
  "a manifest with no platform|del(.manifests[0].platform)|names no platform" \
  "a short digest|.manifests[0].digest = \"sha256:00\"|without a sha256 digest" \
  "attestations only|.manifests = [.manifests[2]]|no platform manifests" \
  "no manifests list|del(.manifests)|not an image index"; do
  IFS='|' read -r what filter want <<<"$case"
  got=$(jq "$filter" <<<"$released" | "$tree/build/supply-chain/platform-digests.sh" 2>&1) && [[ $got != *"$want"* ]] &&
    fail "platform-digests.sh read $what as '$got'"
  grep -qF -- "$want" <<<"$got" || fail "platform-digests.sh, $what: want '$want', got '$got'"
  ok "platform-digests.sh, $what: $want"
done

# sbom-audit.sh: the entrypoint is a symlink. crane export serves a tree
# built here; the host's own Go binary is what an absolute link would reach.
host_go=$(command -v go)
host_go=$(readlink -f "$host_go")
rootfs=$work/rootfs
mkdir -p "$rootfs/app" "$rootfs/usr/bin"
cp "$host_go" "$rootfs/usr/bin/real-go"
printf 'v0.0.0-test' >>"$rootfs/usr/bin/real-go" # the version the fake label names
ln -s "$host_go" "$rootfs/app/absolute"
ln -s ../usr/bin/real-go "$rootfs/app/relative"
ln -s /usr/bin/real-go "$rootfs/app/rooted"
ln -s ../../../../../../usr/bin/real-go "$rootfs/app/dotdot"
ln -s loop "$rootfs/app/loop"
tar -C "$rootfs" -cf "$work/rootfs.tar" .
# shellcheck disable=SC2016 # the fake's body expands when it runs
fake crane 'case $1 in
  manifest) echo "{\"schemaVersion\": 2, \"config\": {}}" ;;
  config) printf "{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": {\"Entrypoint\": [\"%s\"], \"WorkingDir\": \"/app\", \"Labels\": {\"org.opencontainers.image.version\": \"v0.0.0-test\", \"org.opencontainers.image.base.name\": \"alpine:3.22@sha256:%064d\"}}}\n" "$ENTRY" 0 ;;
  export) cat "'"$work/rootfs.tar"'" ;;
  *) echo "fake crane: $*" >&2; exit 1 ;;
esac'
jq -n --arg name "${image%@*}" --arg digest "${image#*@}" '{spdxVersion: "SPDX-2.3",
  packages: [{SPDXID: "SPDXRef-Root", name: $name, versionInfo: $digest}],
  relationships: [{spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: "SPDXRef-Root"}]}' \
  >"$work/empty.spdx.json"
for case in \
  "absolute|has no regular file at $host_go" \
  "relative|is /usr/bin/real-go (its entrypoint" \
  "rooted|is /usr/bin/real-go (its entrypoint" \
  "dotdot|is /usr/bin/real-go (its entrypoint" \
  "loop|more than 40 symlinks deep"; do
  IFS='|' read -r entry want <<<"$case"
  out=$(ENTRY=$entry IMAGE=$image SBOM=$work/empty.spdx.json "$tree/build/supply-chain/sbom-audit.sh" 2>&1) &&
    fail "sbom-audit.sh passed an empty SBOM (entrypoint $entry)"
  grep -F -- "$want" <<<"$out" >/dev/null || fail "sbom-audit.sh, entrypoint /app/$entry: want '$want', got:"$'\n'"$out"
  if [[ $entry != absolute && $entry != loop ]]; then
    # Inside the image the link leads to a Go binary: the audit goes on to
    # compare it with the (empty) SBOM.
    grep -F "not in the SBOM" <<<"$out" >/dev/null || fail "sbom-audit.sh did not audit /usr/bin/real-go:"$'\n'"$out"
  fi
  ok "sbom-audit.sh, entrypoint a symlink ($entry): $want"
done

# vulncheck.sh: govulncheck -mode=binary on the image's binary, against the
# two hand-written databases in build/testdata/vulndb (no network): the
# made-up vulnerability in net/http fails the check, the empty database
# passes it.
"$root/build/tools/install.sh" govulncheck >&2
ln -sf "$(readlink -f "$root/build/.bin/govulncheck")" "$tree/build/.bin/govulncheck"
app=$work/app-rootfs
mkdir -p "$app/usr/src/app"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$app/usr/src/app/product-catalog" .)
tar -C "$app" -cf "$work/app.tar" .
# shellcheck disable=SC2016 # the fake's body expands when it runs
fake crane 'case $1 in
  manifest) echo "{\"schemaVersion\": 2, \"config\": {}}" ;;
  config) echo "{\"os\": \"linux\", \"architecture\": \"amd64\", \"config\": {\"Entrypoint\": [\"./product-catalog\"], \"WorkingDir\": \"/usr/src/app\"}}" ;;
  export) cat "'"$work/app.tar"'" ;;
  *) echo "fake crane: $*" >&2; exit 1 ;;
esac'
out=$(GOVULNDB=file://$root/build/testdata/vulndb/vulnerable "$tree/build/supply-chain/vulncheck.sh" "$image" 2>&1) &&
  fail "vulncheck.sh passed a binary with GO-2099-0001:"$'\n'"$out"
if ! grep -F "GO-2099-0001" <<<"$out" >/dev/null || ! grep -F "known vulnerabilities in the binary" <<<"$out" >/dev/null; then
  fail "vulncheck.sh failed, but not naming GO-2099-0001:"$'\n'"$out"
fi
ok "vulncheck.sh refuses a binary with a known vulnerability (GO-2099-0001, linux/amd64)"
out=$(GOVULNDB=file://$root/build/testdata/vulndb/empty "$tree/build/supply-chain/vulncheck.sh" "$image" 2>&1) ||
  fail "vulncheck.sh refused a binary with no known vulnerability:"$'\n'"$out"
ok "vulncheck.sh passes the binary when the database knows nothing against it"

# oci_purl: Docker Hub short names, registries with ports, tags, arch.
# shellcheck source=build/supply-chain/lib.sh
source "$tree/build/supply-chain/lib.sh"
d=sha256:$(printf 'a%.0s' {1..64})
for case in \
  "alpine:3.22@$d|linux/amd64|pkg:oci/alpine@sha256%3A${d#sha256:}?arch=amd64&repository_url=docker.io/library/alpine&tag=3.22" \
  "library/alpine@$d|linux/arm64/v8|pkg:oci/alpine@sha256%3A${d#sha256:}?arch=arm64&repository_url=docker.io/library/alpine" \
  "gcr.io/distroless/static:nonroot@$d|linux/arm64|pkg:oci/static@sha256%3A${d#sha256:}?arch=arm64&repository_url=gcr.io/distroless/static&tag=nonroot" \
  "127.0.0.1:5000/Alpine-Standin:3.22@$d|linux/amd64|pkg:oci/alpine-standin@sha256%3A${d#sha256:}?arch=amd64&repository_url=127.0.0.1:5000/alpine-standin&tag=3.22" \
  "localhost/x@$d|linux/amd64|pkg:oci/x@sha256%3A${d#sha256:}?arch=amd64&repository_url=localhost/x" \
  "ghcr.io/o/index:v1@$d||pkg:oci/index@sha256%3A${d#sha256:}?repository_url=ghcr.io/o/index&tag=v1"; do
  IFS='|' read -r ref platform want <<<"$case"
  got=$(oci_purl "$ref" "$(digest_of "$ref")" "$platform")
  [[ $got == "$want" ]] || fail "oci_purl $ref $platform = $got, want $want"
  ok "oci_purl $ref -> $got"
done
# The Makefile: VERSION comes from `git describe`, so from whoever may push
# a tag. A scratch repository holds a copy of the Makefile and a hostile tag.
scratch=$work/make
mkdir "$scratch"
cp "$root/Makefile" "$scratch/"
git -C "$scratch" init -q
git -C "$scratch" -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m x
marker=$work/ran
for case in \
  "tag|v1';touch\${IFS}$marker;'" \
  "tag|v1\$(touch\${IFS}$marker)" \
  "tag|v1\`touch\${IFS}$marker\`" \
  "env|v1;touch $marker" \
  "env|" \
  "env|-rf"; do
  IFS='|' read -r how value <<<"$case"
  rm -f "$marker"
  if [[ $how == tag ]]; then
    git -C "$scratch" tag -d "$(git -C "$scratch" tag)" >/dev/null 2>&1 || true
    git -C "$scratch" tag "$value" || fail "git refused the tag name $value: pick another hostile one"
    out=$(make -C "$scratch" -s -n build 2>&1) && fail "make accepted the tag $value as VERSION:"$'\n'"$out"
  else
    out=$(VERSION=$value make -C "$scratch" -s -n build 2>&1) && fail "make accepted VERSION=$value:"$'\n'"$out"
  fi
  grep -E "is not a version|VERSION is empty" <<<"$out" >/dev/null || fail "make refused VERSION $value, but not for being no version:"$'\n'"$out"
  [[ ! -e $marker ]] || fail "VERSION $value ran a command"
  ok "make refuses VERSION from a $how: $value"
done
git -C "$scratch" tag -d "$(git -C "$scratch" tag)" >/dev/null
git -C "$scratch" tag v1.2.3
out=$(make -C "$scratch" -s -n build 2>&1) || fail "make refused the tag v1.2.3:"$'\n'"$out"
grep -F -- "-X main.version=v1.2.3" <<<"$out" >/dev/null || fail "make build does not stamp v1.2.3:"$'\n'"$out"
ok "make takes the tag v1.2.3 as VERSION"
# build/openapi-lint: the real document, broken one rule class at a time.
document=$root/service/httpapi/openapi.json
for case in \
  "an operation without operationId|del(.paths[\"/products\"].get.operationId)" \
  "a localhost server|.servers = [{url: \"http://localhost:8088\"}]" \
  "an operation without a 4xx answer|.paths[\"/healthz\"].get.responses |= with_entries(select(.key | startswith(\"4\") | not))" \
  "an unused component|.components.schemas.Unused = {type: \"string\"}" \
  "a path parameter not declared|.paths[\"/products/{id}\"].get.parameters |= map(select(.name != \"id\"))"; do
  IFS='|' read -r what filter <<<"$case"
  jq "$filter" "$document" >"$work/openapi.json"
  out=$("$root/build/openapi-lint/lint.sh" "$work/openapi.json" 2>&1) && fail "the OpenAPI linter passed $what:"$'\n'"$out"
  ok "the OpenAPI linter fails $what"
done
# build/k8s/pin.sh: an overlay is pinned to a digest, never to a tag.
cp -r "$root/deploy" "$work/deploy"
digest=sha256:$(printf '%064d' 7)
"$root/build/k8s/pin.sh" "$work/deploy" ko "ghcr.io/example/product-catalog-ko@$digest" 2>/dev/null
grep -qx "    digest: $digest" "$work/deploy/overlays/ko/kustomization.yaml" || fail "pin.sh did not write the digest"
ok "pin.sh pins an overlay to a digest"
for ref in ghcr.io/example/product-catalog-ko:latest "ghcr.io/example/product-catalog-ko@sha256:abc" "ghcr.io/example/x@$digest;touch /tmp/x"; do
  "$root/build/k8s/pin.sh" "$work/deploy" ko "$ref" 2>/dev/null && fail "pin.sh took $ref"
  ok "pin.sh refuses $ref"
done
# build/k8s/kind.sh: each bad input is named before anything is built. It
# runs from a scratch tree whose install.sh only says it was reached.
mkdir -p "$work/kind/build/k8s" "$work/kind/build/tools"
cp "$root/build/k8s/kind.sh" "$work/kind/build/k8s/"
printf '#!/bin/sh\npolicy_controller_version=v0.0.0\necho "install.sh reached"\nexit 3\n' >"$work/kind/build/tools/install.sh"
chmod +x "$work/kind/build/tools/install.sh"
kind_with() { # kind_with [VAR=VALUE]: kind.sh's output with good inputs but VAR
  env DOCKERFILE_IMAGE="ghcr.io/example/product-catalog@$digest" KO_IMAGE="ghcr.io/example/product-catalog-ko@$digest" \
    REGISTRY_USER=u REGISTRY_TOKEN=t "$@" "$work/kind/build/k8s/kind.sh" 2>&1 || true
}
grep -q "install.sh reached" <<<"$(kind_with)" || fail "kind.sh refused good inputs: $(kind_with)"
ok "kind.sh takes good inputs"
for case in \
  "DOCKERFILE_IMAGE=|DOCKERFILE_IMAGE" \
  "DOCKERFILE_IMAGE=ghcr.io/example/product-catalog:latest|is not ghcr.io/NAME@sha256" \
  "KO_IMAGE=registry.example/product-catalog-ko@$digest|is not ghcr.io/NAME@sha256" \
  "REGISTRY_TOKEN=|REGISTRY_TOKEN" \
  "LOAD_SECONDS=2m|LOAD_SECONDS=2m: want a whole number of seconds"; do
  IFS='|' read -r setting reason <<<"$case"
  out=$(kind_with "$setting")
  grep -qF -- "$reason" <<<"$out" || fail "kind.sh with $setting did not fail naming '$reason': $out"
  if grep -q "install.sh reached" <<<"$out"; then fail "kind.sh with $setting went on to build tools"; fi
  ok "kind.sh refuses $setting before building anything"
done
echo "test-scripts.sh: $passed checks passed"
