#!/usr/bin/env bash
# The supply chain end to end, offline, against a throw-away registry on
# 127.0.0.1: what `make test` runs for the ko image and the Dockerfile image.
#   1. ko builds both platforms on a distroless stand-in; a second build from
#      an empty Go build cache must give the same digest.
#   2. The Dockerfile image is built on stand-ins and pushed beside it.
#   3. For each image: make sbom, make sbom-audit, make sign (throw-away key),
#      make verify.
#   4. The ko image runs hardened under Docker and serves the same catalog
#      as the Dockerfile image.
#   5. Every rejection fails, and for the stated reason: a bare tag, no
#      signature, a wrong key, a moved tag, a copied signature, a missing
#      attestation, an attestation that fails policy, an SBOM missing a
#      module or listing a forbidden license.
#   6. The admission policy (policy/admission/cip-key.yaml) in the sigstore
#      policy-controller tester: signed and attested admitted; unsigned,
#      wrong-key and unattested refused.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"
out=${OUT:-$repo/.out}
mkdir -p "$out"

"$repo/build/tools/install.sh" crane ko cosign syft conftest govulncheck sbomcheck policy-tester grpcurl imagepull kubernetes >&2
"$repo/build/docker/ensure-docker.sh" >&2

work=$(mktemp -d)
cids=()
cleanup() {
  for c in "${cids[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  # The tags this run gave Docker images, so that runs do not pile up.
  if [[ -n ${REGISTRY:-} ]]; then
    docker rmi "$REGISTRY/product-catalog-dockerfile:${VERSION:-}" >/dev/null 2>&1 || true
  fi
  [[ -z ${REGISTRY_PID:-} ]] || kill "$REGISTRY_PID" 2>/dev/null || true
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
eval "$("$repo/build/docker/registry.sh")"
eval "$(REGISTRY=$REGISTRY "$repo/build/docker/distroless-standin.sh")"
# Everything this run writes (SBOMs, provenance, image references) stays for a
# look afterwards.
export KO_DEFAULTBASEIMAGE OUT=$out/supply-chain
# The provenance policy admits only the release workflow's builder id; these
# throw-away images, signed with a throw-away key, stand in for a release.
export BUILDER_ID=https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main
rm -rf "$OUT"
export VERSION=${VERSION:-test-$(git rev-parse --short HEAD)}
release_go=$("$repo/build/release-go.sh")

say "throw-away cosign key pairs in $work"
COSIGN_PASSWORD=$(head -c 18 /dev/urandom | base64)
export COSIGN_PASSWORD
(cd "$work" && cosign generate-key-pair --output-key-prefix signer >/dev/null 2>&1 &&
  cosign generate-key-pair --output-key-prefix stranger >/dev/null 2>&1)
key=$work/signer.key pub=$work/signer.pub wrong_pub=$work/stranger.pub

passed=0
# expect_fail WHAT REASON CMD...: CMD must fail, and its output must name REASON.
expect_fail() {
  local what=$1 reason=$2; shift 2
  if "$@" >"$work/expect.log" 2>&1; then
    cat "$work/expect.log" >&2; die "$what: succeeded, want a failure naming '$reason'"
  fi
  grep -qF -- "$reason" "$work/expect.log" || { cat "$work/expect.log" >&2; die "$what: failed, but not naming '$reason'"; }
  say "ok, refused: $what ($(grep -m1 -F -- "$reason" "$work/expect.log" | sed 's/^[a-z.-]*: //' | cut -c1-160))"
  passed=$((passed + 1))
}

# 1. ko, twice.
make -s ko-build KO_DOCKER_REPO="$REGISTRY/product-catalog" >/dev/null
ko_image=$(cat "$OUT/ko/image.txt")
say "reproducibility: the same ko build again, from an empty Go build cache"
first=$(digest_of "$ko_image")
GOCACHE=$work/gocache OUT=$work/again KO_DOCKER_REPO="$REGISTRY/product-catalog" \
  "$repo/build/supply-chain/ko-build.sh" >/dev/null 2>"$work/again.log" ||
  { cat "$work/again.log" >&2; die "the second ko build failed"; }
second=$(digest_of "$(cat "$work/again/ko/image.txt")")
[[ $first == "$second" ]] || die "ko is not reproducible: $first, then $second from the same source"
say "ok: the same source gave $first twice"
# ko as its users type it, with no VERSION in the environment: "dev".
env -u VERSION KO_DOCKER_REPO="$REGISTRY/ko-plain" ko build --bare --sbom none . >"$work/plain.txt" 2>"$work/plain.log" ||
  { cat "$work/plain.log" >&2; die "a plain 'ko build .' without VERSION failed"; }
say "ok: a plain 'ko build .' works without VERSION"
passed=$((passed + 1))
layers=$(crane manifest --platform linux/amd64 "$ko_image" | jq '[.layers[].size] | add')
say "ko image, linux/amd64: $(awk -v b="$layers" 'BEGIN {printf "%.1f MB", b / 1e6}') of compressed layers (stand-in base)"

# 2. The Dockerfile image, its bases in the registry so they are named by
# digest: the runtime for the SBOM, the builder for the provenance, as the
# release's are.
eval "$(REGISTRY=$REGISTRY "$repo/build/docker/standin-bases.sh")"
runtime_base=$RUNTIME_IMAGE
say "docker buildx build (GO_IMAGE=$GO_IMAGE RUNTIME_IMAGE=$runtime_base)"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
docker buildx build --load -q --build-arg GO_IMAGE="$GO_IMAGE" --build-arg RUNTIME_IMAGE="$runtime_base" \
  --build-arg VERSION="$VERSION" --build-arg REVISION="$(git rev-parse HEAD)" \
  -t "$REGISTRY/product-catalog-dockerfile:$VERSION" . >/dev/null
docker push -q "$REGISTRY/product-catalog-dockerfile:$VERSION" >/dev/null
docker_image="$REGISTRY/product-catalog-dockerfile@$(crane digest "$REGISTRY/product-catalog-dockerfile:$VERSION")"
BUILD_STARTED=$started GO_IMAGE=$GO_IMAGE "$repo/build/supply-chain/provenance.sh" dockerfile \
  "$docker_image" "$runtime_base" >/dev/null

# Both images ship the release Go, whatever the host's: every platform's
# binary says so itself (go version -m), and so does each provenance, which
# reads it from the binaries.
for image in "$ko_image" "$docker_image"; do
  for platform in $(platforms_of "$image"); do
    binary=$(extract_binary "$image" "$platform" "$work/go-version/${platform//\//-}")
    built_with=$(go version -m "$binary" | awk 'NR == 1 {print $2}')
    [[ $built_with == "$release_go" ]] || die "the $platform binary of $image was built with ${built_with:-no Go}, want $release_go"
    say "ok: the $platform binary of $image reports $built_with (go version -m)"
  done
done
jq -e --arg go "$release_go" '.buildDefinition.internalParameters.goVersions
  | (.["linux/amd64"] == $go) and (.["linux/arm64"] == $go)' "$(provenance_file "$ko_image")" >/dev/null ||
  die "the ko image's provenance does not record $release_go for both platforms"
jq -e --arg go "$release_go" --arg builder "$GO_IMAGE" '(.buildDefinition.internalParameters.goVersions["linux/amd64"] == $go)
  and any(.buildDefinition.resolvedDependencies[]; .name == "builder image"
          and ("sha256:" + .digest.sha256) == ($builder | split("@")[1]))' "$(provenance_file "$docker_image")" >/dev/null ||
  die "the Dockerfile image's provenance does not record $release_go and the builder image by digest"
say "ok: both images' binaries and provenance record $release_go, and the Dockerfile's builder image by digest"
passed=$((passed + 1))

# 3. SBOM, audit, sign, verify: through make, as users run them.
for image in "$ko_image" "$docker_image"; do
  say "== $image"
  make -s sbom IMAGE="$image" >/dev/null
  make -s sbom-audit IMAGE="$image" SBOM="$(out_dir_for "$image")/sbom.spdx.json"
  # Every platform's binary, against the pinned Go vulnerability database
  # (build/vuln/db.sh, offline); any finding fails.
  make -s vulncheck IMAGE="$image"
  make -s sign IMAGE="$image" COSIGN_KEY="$key" 2>&1 | grep -v -e '^WARNING' -e 'deprecated' >&2
  make -s verify IMAGE="$image" COSIGN_PUB="$pub" 2>&1 | grep -v '^WARNING' >&2
done

# The ko image is an index of two platforms: one SBOM covers both, describing
# the index, each platform's image in it by its own digest.
ko_sbom=$(out_dir_for "$ko_image")/sbom.spdx.json
for platform in linux/amd64 linux/arm64; do
  p=${platform//\//-}
  want=$(crane manifest "$ko_image" | jq -r --arg a "${platform#*/}" '.manifests[] | select(.platform.architecture == $a) | .digest')
  jq -e --arg d "$(digest_of "$ko_image")" --arg p "SPDXRef-$p-" --arg want "$want" '
    ([.packages[] | select(.SPDXID == "SPDXRef-ImageIndex")][0].versionInfo == $d)
    and ([.relationships[] | select(.spdxElementId == "SPDXRef-ImageIndex" and .relationshipType == "CONTAINS")
          | .relatedSpdxElement] as $roots
         | [.packages[] | select(.SPDXID as $id | $roots | index($id)) | select(.SPDXID | startswith($p))][0].versionInfo == $want)
    and any(.packages[]; .SPDXID | startswith($p) and contains("stdlib"))
    and any(.packages[]; .SPDXID == $p + "BaseImage")' "$ko_sbom" >/dev/null ||
    die "the ko image's SBOM does not cover $platform (its digest $want, stdlib, base image) under the index"
done
say "ok: the ko image's SBOM describes its index and covers linux/amd64 and linux/arm64, each by its own digest"
passed=$((passed + 1))

# The ko index's platform manifests are signed and attested each, and the
# SBOM attested on a platform manifest describes exactly that digest.
verify_log=$(make -s verify IMAGE="$ko_image" COSIGN_PUB="$pub" 2>&1) || { echo "$verify_log" >&2; die "verify of the ko image"; }
grep -F "and its 2 platform manifests: signed" <<<"$verify_log" >/dev/null ||
  die "verify did not check the ko image's two platform manifests:"$'\n'"$verify_log"
arm64=$(platform_manifests "$ko_image" | awk '$1 == "linux/arm64" {print $2}')
described=$(cosign verify-attestation --key "$pub" --insecure-ignore-tlog --allow-insecure-registry --type spdxjson \
  --trusted-root <(cosign trusted-root create --out /dev/stdout) "$arm64" 2>/dev/null |
  jq -r '.payload | @base64d | fromjson | .predicate
    | ([.relationships[] | select(.relationshipType == "DESCRIBES")][0].relatedSpdxElement) as $root
    | [.packages[] | select(.SPDXID == $root)][0].versionInfo' | head -n1)
[[ $described == "$(digest_of "$arm64")" ]] ||
  die "the SPDX attestation on the linux/arm64 manifest describes ${described:-nothing}, not $(digest_of "$arm64")"
say "ok: each platform manifest of the ko index is signed and attested; the arm64 one's SBOM describes $(digest_of "$arm64")"
passed=$((passed + 1))

# What the SBOMs' consumers read: for both images, CycloneDX 1.6 with the
# image as the root of its dependency graph (purl, hashes, an edge); the
# main module at the stamped version; license texts, not hashes and file://
# URLs; canonical oci purls.
for image in "$ko_image" "$docker_image"; do
  d=$(out_dir_for "$image")
  jq -e --arg v "$VERSION" '
    (.specVersion == "1.6")
    and (.metadata.component | (.purl | startswith("pkg:oci/")) and (.hashes | length > 0))
    and (.metadata.component["bom-ref"] as $root | any(.dependencies[]; .ref == $root and (.dependsOn | length > 0)))
    and all(.components[] | select(.name == "github.com/product-catalog/product-catalog"); .version == $v and (.purl | endswith("@" + $v)))
    and ([.. | objects | .url? // empty | select(startswith("file:"))] | length == 0)
    and ([.components[].licenses[]?.license.name? // empty | select(startswith("sha256:"))] | length == 0)' \
    "$d/sbom.cdx.json" >/dev/null || die "the CycloneDX SBOM of $image is not what consumers read right"
  jq -e --arg v "$VERSION" '
    all(.packages[] | select(.name == "github.com/product-catalog/product-catalog"); .versionInfo == $v)
    and all(.hasExtractedLicensingInfos[]?; .extractedText != "NOASSERTION" and all(.seeAlsos[]?; startswith("https://")))
    and all(.packages[].externalRefs[]? | select(.referenceType == "purl" and (.referenceLocator | startswith("pkg:oci/"))) | .referenceLocator;
            (split("?")[1] | split("&") | map(split("=")[0])) as $q | ($q == ($q | sort)) and all($q[]; . == "arch" or . == "repository_url" or . == "tag"))' \
    "$d/sbom.spdx.json" >/dev/null || die "the SPDX SBOM of $image is not what consumers read right"
done
say "ok: both images' SBOMs: CycloneDX 1.6 rooted at the image, the main module at $VERSION, license texts, canonical purls"
passed=$((passed + 1))
# Every SBOM this run wrote (both images, each platform) read by the
# consumers' tools at once: namespaces and serial numbers are unique.
written=("$OUT"/images/*/sbom.*.json)
sbomcheck "${written[@]}" >/dev/null || die "the SBOMs written here are not read right together"
say "ok: sbomcheck reads all ${#written[@]} SBOMs written here; namespaces and serial numbers are unique"
jq '.specVersion = "1.7"' "$(out_dir_for "$ko_image")/sbom.cdx.json" >"$work/cdx-1.7.json"
expect_fail "a CycloneDX 1.7 SBOM (too new for common consumers)" "specVersion 1.7, want 1.6" sbomcheck "$work/cdx-1.7.json"
jq 'del(.packages[0].SPDXID)' "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/no-id.spdx.json"
expect_fail "an SPDX SBOM the SPDX 2.3 schema refuses" "missing property 'SPDXID'" sbomcheck "$work/no-id.spdx.json"
jq '.name = "another document"' "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/same-namespace.spdx.json"
expect_fail "two SBOMs with one document namespace" "is also that of" \
  sbomcheck "$(out_dir_for "$ko_image")/sbom.spdx.json" "$work/same-namespace.spdx.json"

# 4. The ko image under Docker, hardened; same catalog as the Dockerfile image.
serve() {
  local cid port
  cid=$(docker run -d --read-only --cap-drop ALL --security-opt no-new-privileges \
    -p 127.0.0.1::8088 -e PRODUCT_CATALOG_PORT=8088 "$1")
  cids+=("$cid")
  port=$(docker port "$cid" 8088/tcp | head -n1 | sed 's/.*://')
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/products" >"$work/$2.json" || die "GET /products from $1"
  "$repo/build/.bin/grpcurl" -plaintext "127.0.0.1:$port" oteldemo.ProductCatalogService/ListProducts >"$work/$2.grpc.json" ||
    die "gRPC ListProducts from $1"
  docker inspect -f '{{.State.Pid}}' "$cid" >"$work/$2.pid"
}
docker pull -q "$ko_image" >/dev/null
serve "$ko_image" ko
serve "$docker_image" dockerfile
uid=$(awk '/^Uid:/ {print $2}' "/proc/$(cat "$work/ko.pid")/status")
[[ $uid == 65532 ]] || die "the ko image runs as uid $uid, want 65532"
cmp -s "$work/ko.json" "$work/dockerfile.json" ||
  die "the ko image and the Dockerfile image serve different catalogs (GET /products differs)"
for image in ko dockerfile; do
  [[ $(jq -c '[.products[].id]' "$work/$image.grpc.json") == "$(jq -c '[.products[].id]' "$work/$image.json")" ]] ||
    die "the $image image's gRPC ListProducts differs from its GET /products"
done
say "ok: the ko image runs as uid 65532 and serves the same $(jq .total "$work/ko.json") products as the Dockerfile image, over REST and gRPC"

# 5. Rejections.
# drop(COND): an SPDX document without the packages COND selects, nor their
# relationships, so it stays well formed and only lacks them.
# shellcheck disable=SC2016 # jq's variables, not the shell's
drop='def drop(cond): [.packages[] | select(cond) | .SPDXID] as $gone
  | del(.packages[] | select(.SPDXID as $id | $gone | index($id)))
  | del(.relationships[] | select(.spdxElementId as $a | .relatedSpdxElement as $b | $gone | index($a) or index($b)));'

repo_ko=$(repo_of "$ko_image")
# Other images in the same repository: same content, a label apart.
variant() {
  crane mutate --label "org.opencontainers.image.description=$1" "$ko_image" 2>/dev/null
}
unsigned=$(variant unsigned)
copied=$(variant copied-signature)
unattested=$(variant unattested)
badsbom=$(variant bad-sbom)

expect_fail "verify a bare tag" "not pinned by digest" \
  make -s verify IMAGE="$repo_ko:$VERSION" COSIGN_PUB="$pub"
expect_fail "sign a bare tag" "not pinned by digest" \
  make -s sign IMAGE="$repo_ko:$VERSION" COSIGN_KEY="$key"
expect_fail "verify an unsigned image" "has no signature" \
  make -s verify IMAGE="$unsigned" COSIGN_PUB="$pub"
expect_fail "verify with the wrong key" "wrong key" \
  make -s verify IMAGE="$ko_image" COSIGN_PUB="$wrong_pub"

crane tag "$ko_image" moving 2>/dev/null
make -s verify IMAGE="$repo_ko:moving@$(digest_of "$ko_image")" COSIGN_PUB="$pub" >/dev/null 2>&1 ||
  die "verify of a tag that still points at its digest failed"
crane tag "$unsigned" moving 2>/dev/null
expect_fail "verify a tag that moved to another image" "has moved" \
  make -s verify IMAGE="$repo_ko:moving@$(digest_of "$ko_image")" COSIGN_PUB="$pub"

sig_tag() { local d; d=$(digest_of "$1"); echo "$(repo_of "$1"):${d/:/-}.sig"; }
crane copy "$(sig_tag "$ko_image")" "$(sig_tag "$copied")" 2>/dev/null
expect_fail "verify a signature copied onto another digest" "made for another image" \
  make -s verify IMAGE="$copied" COSIGN_PUB="$pub"

cosign sign --yes --key "$key" --tlog-upload=false --new-bundle-format=false --use-signing-config=false \
  --allow-insecure-registry "$unattested" >/dev/null 2>&1
expect_fail "verify a signed image with no attestations" "has no such attestation" \
  make -s verify IMAGE="$unattested" COSIGN_PUB="$pub"

bad_dir=$(out_dir_for "$badsbom")
mkdir -p "$bad_dir"
jq 'del(.packages[] | select(.SPDXID | endswith("BaseImage")))' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$bad_dir/sbom.spdx.json"
cp "$(out_dir_for "$ko_image")/sbom.cdx.json" "$(provenance_file "$ko_image")" "$bad_dir/"
make -s sign IMAGE="$badsbom" COSIGN_KEY="$key" >/dev/null 2>&1
expect_fail "verify an SPDX attestation without the base image" "the base image is not listed by digest" \
  make -s verify IMAGE="$badsbom" COSIGN_PUB="$pub"

# A provenance that leaves out a field the policies check fails closed.
norepo=$(variant no-source-repository)
norepo_dir=$(out_dir_for "$norepo")
# Its own SBOMs (sign.sh makes them): the ko index's describe another image,
# which the SBOM policies refuse before the provenance is read.
mkdir -p "$norepo_dir"
jq 'del(.buildDefinition.externalParameters.source.repository)' "$(provenance_file "$ko_image")" >"$(provenance_file "$norepo")"
make -s sign IMAGE="$norepo" COSIGN_KEY="$key" >/dev/null 2>&1
expect_fail "verify a provenance without its source repository" "the source repository is missing" \
  make -s verify IMAGE="$norepo" COSIGN_PUB="$pub"

# A provenance a laptop wrote: last release's bypass of the builder id.
laptop=$(variant laptop-builder)
mkdir -p "$(out_dir_for "$laptop")"
jq '.runDetails.builder.id = "urn:product-catalog:local-build:laptop"' "$(provenance_file "$ko_image")" >"$(provenance_file "$laptop")"
make -s sign IMAGE="$laptop" COSIGN_KEY="$key" >/dev/null 2>&1
expect_fail "verify a provenance a laptop built" "runDetails.builder.id is urn:product-catalog:local-build:laptop" \
  make -s verify IMAGE="$laptop" COSIGN_PUB="$pub"

jq "$drop"' drop(.name == "go.uber.org/zap")' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/missing-module.spdx.json"
expect_fail "audit an SBOM that lacks a module of the binary" "go.uber.org/zap: not in the SBOM" \
  make -s sbom-audit SBOM="$work/missing-module.spdx.json"
jq "$drop"' drop(.name == "go.uber.org/zap" and (.SPDXID | startswith("SPDXRef-linux-arm64-")))' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/missing-arm64-module.spdx.json"
expect_fail "audit an SBOM whose arm64 part lacks a module of the arm64 binary" "linux/arm64: go.uber.org/zap: not in the SBOM" \
  make -s sbom-audit SBOM="$work/missing-arm64-module.spdx.json"
jq '(.packages[] | select(.name == "github.com/product-catalog/product-catalog")) |= (.versionInfo = "UNKNOWN")' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/unversioned.spdx.json"
expect_fail "audit an SBOM whose main module has no version" "github.com/product-catalog/product-catalog: SBOM has version UNKNOWN, binary has $VERSION" \
  make -s sbom-audit SBOM="$work/unversioned.spdx.json"
jq '.relationships += [{spdxElementId: "SPDXRef-ImageIndex", relationshipType: "CONTAINS", relatedSpdxElement: "SPDXRef-Nowhere"}]' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/dangling.spdx.json"
expect_fail "audit an SBOM with a dangling relationship" "relationships to elements it does not hold: SPDXRef-Nowhere" \
  make -s sbom-audit SBOM="$work/dangling.spdx.json"
jq '(.buildDefinition.resolvedDependencies[] | select(.name == "base image") | .digest.sha256) = ("0" * 64)' \
  "$(provenance_file "$ko_image")" >"$work/other-base.provenance.json"
expect_fail "audit an SBOM against a provenance that pins another base image" "the provenance pins the base image sha256:000" \
  make -s sbom-audit SBOM="$(out_dir_for "$ko_image")/sbom.spdx.json" PROVENANCE="$work/other-base.provenance.json"
jq '(.packages[] | select(.name == "github.com/gorilla/mux") | .licenseConcluded) = "GPL-3.0-only"' \
  "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$work/gpl.spdx.json"
expect_fail "audit an SBOM with a license off the allowlist" "license GPL-3.0-only not allowed" \
  make -s sbom-audit SBOM="$work/gpl.spdx.json"

# 6. Admission: the key-based ClusterImagePolicy in the policy-controller tester.
render_policy() { # render_policy PUB > policy.yaml: our key and registry in place of the placeholders
  awk -v key="$1" -v glob="$REGISTRY/**" '
    /glob:/ { sub(/"[^"]*"/, "\"" glob "\"") }
    /-----BEGIN PUBLIC KEY-----/ { indent = substr($0, 1, index($0, "-") - 1)
      while ((getline line < key) > 0) print indent line
      skip = 1; next }
    skip && /-----END PUBLIC KEY-----/ { skip = 0; next }
    !skip { print }' "$repo/policy/admission/cip-key.yaml"
}
render_policy "$pub" >"$work/cip.yaml"
render_policy "$wrong_pub" >"$work/cip-wrong-key.yaml"
admit() { policy-tester -policy "$1" -image "$2" >"$work/tester.log" 2>&1 || { cat "$work/tester.log"; return 1; }; }
for image in "$ko_image" "$docker_image"; do
  admit "$work/cip.yaml" "$image" >&2 || die "the policy-controller tester refused the signed, attested $image"
  say "ok, admitted by policy/admission/cip-key.yaml: $image"
  passed=$((passed + 1))
done
# The images as the manifests in deploy/ name them: each overlay rendered
# with this run's digest, its pod spec's image admitted.
for overlay in ko dockerfile; do
  image=$ko_image
  [[ $overlay == ko ]] || image=$docker_image
  cp -r "$repo/deploy" "$work/deploy-$overlay"
  "$repo/build/k8s/pin.sh" "$work/deploy-$overlay" "$overlay" "$image" 2>/dev/null
  pod_image=$(kubectl kustomize "$work/deploy-$overlay/overlays/$overlay" | awk '$1 == "image:" {print $2}')
  [[ $pod_image == "$image" ]] || die "deploy/overlays/$overlay renders image $pod_image, want $image"
  admit "$work/cip.yaml" "$pod_image" >&2 || die "the policy-controller tester refused the image of deploy/overlays/$overlay's pods"
  say "ok, admitted by policy/admission/cip-key.yaml: the pods of deploy/overlays/$overlay ($pod_image)"
  passed=$((passed + 1))
done
expect_fail "admit an unsigned image" "no matching attestations" admit "$work/cip.yaml" "$unsigned"
expect_fail "admit an image signed with another key" "accepted signatures do not match threshold" admit "$work/cip-wrong-key.yaml" "$ko_image"
expect_fail "admit a signed image with no attestations" "no matching attestations" admit "$work/cip.yaml" "$unattested"
expect_fail "admit an image whose SBOM fails the policy" "the base image is not listed" admit "$work/cip.yaml" "$badsbom"
expect_fail "admit an image whose provenance lacks its source repository" "the source repository is not" admit "$work/cip.yaml" "$norepo"
# cip-keyless.yaml decides only with Fulcio and Rekor (the hosted
# workflow's kind job, build/k8s/kind.sh), but the tester first validates
# it as the webhook does, then says whether it covers an image: it must be
# valid, cover both released repositories, and not cover an image of
# someone else's (which no-match-policy: deny then refuses).
some_digest=sha256:$(printf '0%.0s' {1..64})
keyless() { # keyless POLICY NAME: the tester's log for NAME@<a digest>
  policy-tester -policy "$1" -image "$2@$some_digest" 2>&1 || true
}
for name in ghcr.io/product-catalog/product-catalog ghcr.io/product-catalog/product-catalog-ko; do
  log=$(keyless "$repo/policy/admission/cip-keyless.yaml" "$name")
  grep -q "Policy was successfully validated" <<<"$log" ||
    die "policy/admission/cip-keyless.yaml is not valid: $(grep -m1 'CIP is invalid' <<<"$log" || tail -3 <<<"$log")"
  if grep -q "uncovered by policy" <<<"$log"; then die "policy/admission/cip-keyless.yaml does not cover $name"; fi
  say "ok: policy/admission/cip-keyless.yaml is valid and covers $name"
  passed=$((passed + 1))
done
grep -q "uncovered by policy" <<<"$(keyless "$repo/policy/admission/cip-keyless.yaml" ghcr.io/sigstore/policy-controller/policy-controller)" ||
  die "policy/admission/cip-keyless.yaml covers ghcr.io/sigstore/policy-controller, an image that is not ours"
say "ok: policy/admission/cip-keyless.yaml does not cover an image that is not ours"
passed=$((passed + 1))
# Both authorities' identities dropped (ours by subjectRegExp, the SLSA
# generator's by an exact subject).
sed -E '/identities:/,/subject(RegExp)?:/d' "$repo/policy/admission/cip-keyless.yaml" >"$work/cip-keyless-anyone.yaml"
expect_fail "validate a keyless policy that names no signer identity" "CIP is invalid" \
  policy-tester -policy "$work/cip-keyless-anyone.yaml" -image "ghcr.io/product-catalog/product-catalog@$some_digest"

# 7. A signed pull by a container runtime: containers/image (CRI-O, podman,
# skopeo) under deploy/containers' policy.json and registries.d, with this
# run's key and registry in place of the release's.
render_pull_policy() { # render_pull_policy PUB > policy.json
  jq --arg key "$1" --arg ko "$repo_ko" --arg dockerfile "$(repo_of "$docker_image")" '
    .transports.docker |= {($ko): .["ghcr.io/product-catalog/product-catalog-ko"], ($dockerfile): .["ghcr.io/product-catalog/product-catalog"]}
    | .transports.docker[][].keyPath = $key' "$repo/deploy/containers/policy.json"
}
render_pull_policy "$pub" >"$work/pull-policy.json"
render_pull_policy "$wrong_pub" >"$work/pull-policy-wrong-key.json"
mkdir -p "$work/registries.d"
sed "s#ghcr.io/product-catalog:#$REGISTRY:#" "$repo/deploy/containers/registries.d/product-catalog.yaml" >"$work/registries.d/product-catalog.yaml"
pull() { # pull POLICY IMAGE: as CRI-O pulls, into a directory
  rm -rf "$work/pulled"
  imagepull -policy "$1" -registries-d "$work/registries.d" -insecure "docker://$2" "dir:$work/pulled"
}
for image in "$ko_image" "$docker_image"; do
  pull "$work/pull-policy.json" "$image" >"$work/pull.log" 2>&1 || { cat "$work/pull.log" >&2; die "containers/image refused the signed $image"; }
  say "ok, pulled through containers/image with deploy/containers/policy.json: $image (the platform manifest's signature checked)"
  passed=$((passed + 1))
done
expect_fail "pull an unsigned image through containers/image" "A signature was required, but no signature exists" \
  pull "$work/pull-policy.json" "$unsigned"
expect_fail "pull an image signed with another key through containers/image" "cryptographic signature verification failed" \
  pull "$work/pull-policy-wrong-key.json" "$ko_image"
crane copy "$ko_image" "$repo_ko-elsewhere:$VERSION" 2>/dev/null
expect_fail "pull the same image from a repository the policy does not name" "is rejected by policy" \
  pull "$work/pull-policy.json" "$repo_ko-elsewhere@$(digest_of "$ko_image")"

say "ok: both images built, SBOM'd, audited, signed, attested and verified; $passed checks of acceptance and refusal passed"
