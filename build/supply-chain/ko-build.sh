#!/usr/bin/env bash
# Builds the service with ko (.ko.yaml: distroless base, linux/amd64 and
# linux/arm64) and pushes it to KO_DOCKER_REPO. Writes the pushed index
# reference, by digest, to $OUT/ko/image.txt, keeps ko's SPDX SBOMs under
# $OUT/ko/sbom, and records the build's inputs for the provenance.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${KO_DOCKER_REPO:?set KO_DOCKER_REPO to the repository to push to, e.g. ghcr.io/product-catalog/product-catalog}"
: "${VERSION:?set VERSION, the version stamped into the binary and used as the tag}"
out=${OUT:-$repo/.out}/ko
mkdir -p "$out/sbom"
cd "$repo"

base=${KO_DEFAULTBASEIMAGE:-$(sed -n 's/^defaultBaseImage: *//p' .ko.yaml)}
require_digest_ref "the ko base image (KO_DEFAULTBASEIMAGE or .ko.yaml defaultBaseImage)" "$base"
# ko compiles with the go command it finds; the release Go, whatever the
# host's (the module proxy serves it; SECURITY.md, "The Go that ships").
GOTOOLCHAIN=$("$repo/build/release-go.sh")
export KO_DEFAULTBASEIMAGE=$base VERSION GOTOOLCHAIN

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
say "ko build . -> $KO_DOCKER_REPO:$VERSION (base $base, $GOTOOLCHAIN)"
# The same OCI labels as the Dockerfile's: the version stamped into the
# binary is what the SBOM names the main module's version (sbom.sh).
source_repo=${SOURCE_REPO:-https://github.com/product-catalog/product-catalog}
published=$(ko build --bare --tags "$VERSION" --sbom spdx --sbom-dir "$out/sbom" \
  --image-label "org.opencontainers.image.version=$VERSION" \
  --image-label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
  --image-label "org.opencontainers.image.source=$source_repo" \
  --image-label "org.opencontainers.image.licenses=MIT" \
  --image-refs "$out/image-refs.txt" .)
image="$(repo_of "$published")@$(digest_of "$published")"
require_digest_ref "ko's published reference" "$image"
echo "$image" >"$out/image.txt"

record=$(BUILD_STARTED=$started "$repo/build/supply-chain/provenance.sh" ko "$image" "$base")
say "pushed $image (reference in $out/image.txt, provenance in $record)"
echo "$image"
