#!/usr/bin/env bash
# Unit tests of the scripts, with no registry and no Sigstore. Each
# supply-chain script runs from a copy of build/supply-chain in a scratch
# tree whose build/.bin holds fake crane and cosign commands, so a test can
# make them answer what a real registry or cosign rarely does.
#   - verify.sh always fails with a reason, whatever cosign prints;
#   - sbom-audit.sh never follows a symlink out of the image's files;
#   - vulncheck.sh fails on a binary with a known vulnerability;
#   - release-assets.sh signs keyless only, into a new directory, and
#     nothing when a verification fails;
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
assets_says() { # WANT ARGS...: release-assets.sh fails, naming WANT
  local want=$1 out
  shift
  if out=$("$tree/build/supply-chain/release-assets.sh" "$@" 2>&1); then fail "release-assets.sh $* passed"; fi
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
