#!/usr/bin/env bash
# Writes the SBOMs of an image, SPDX 2.3 and CycloneDX JSON, made by syft from
# the pushed image: every Go module compiled into the binary (version, purl,
# license), the Go standard library version, the files of the base image, and
# the base image itself, named with its digest (syft does not record it, so it
# is added from the image's org.opencontainers.image.base.* annotations or
# labels).
#
# usage: sbom.sh IMAGE@sha256:...   (env: PLATFORM, default linux/amd64)
# output: $OUT/images/<digest>/sbom.spdx.json and sbom.cdx.json
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
platform=${PLATFORM:-linux/amd64}
dir=$(out_dir_for "$image")
mkdir -p "$dir"

# The base image: ko writes annotations on each platform's manifest; the
# Dockerfile writes a label (BuildKit's docker driver cannot annotate).
manifest=$(crane manifest --platform "$platform" "$image")
base=$(jq -r '.annotations["org.opencontainers.image.base.name"] // empty' <<<"$manifest")
base_digest=$(jq -r '.annotations["org.opencontainers.image.base.digest"] // empty' <<<"$manifest")
if [[ -z $base ]]; then
  base=$(crane config --platform "$platform" "$image" |
    jq -r '.config.Labels["org.opencontainers.image.base.name"] // empty')
fi
[[ -n $base ]] || die "$image ($platform) names no base image (no org.opencontainers.image.base.name annotation or label)"
require_digest_ref "the base image named by $image" "$base"
# ko's annotation names the platform manifest of the base; the name holds the
# digest the build was asked to use. Record both when they differ.
base_repo=$(repo_of "$base")
: "${base_digest:=$(digest_of "$base")}"

say "syft scan $image ($platform) -> $dir/sbom.{spdx,cdx}.json"
# Licenses of Go modules come from the local module cache (warm after a
# build); syft never reaches for the network here.
SYFT_CHECK_FOR_APP_UPDATE=false SYFT_GOLANG_SEARCH_LOCAL_MOD_CACHE_LICENSES=true \
  syft scan "registry:$image" --platform "$platform" -q \
  -o "spdx-json@2.3=$dir/syft.spdx.json" -o "cyclonedx-json=$dir/syft.cdx.json"

# Our own module is not in the module cache, so syft finds no license for it:
# declare the one in LICENSE at the repository root.
own_module=$(go -C "$repo" list -m)
own_license=MIT
grep -q '^MIT License' "$repo/LICENSE" || die "LICENSE is no longer MIT: update own_license in sbom.sh"

purl=$(oci_purl "$base" "$base_digest" "$platform")
jq --arg name "$base_repo" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
  --arg own "pkg:golang/$own_module" --arg license "$own_license" '
  (.packages[] | select(any(.externalRefs[]?; .referenceLocator | split("@")[0] == $own)) | .licenseDeclared) = $license
  | . as $doc
  | ($doc.documentDescribes[0] // ([$doc.relationships[] | select(.relationshipType == "DESCRIBES")][0].relatedSpdxElement)) as $root
  | .packages += [{
      SPDXID: "SPDXRef-BaseImage", name: $name, versionInfo: $digest,
      downloadLocation: "NOASSERTION", filesAnalyzed: false,
      licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION",
      copyrightText: "NOASSERTION", primaryPackagePurpose: "CONTAINER",
      comment: ("base image, built FROM " + $ref),
      externalRefs: [{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: $purl}]
    }]
  | .relationships += [{spdxElementId: $root, relationshipType: "DESCENDANT_OF", relatedSpdxElement: "SPDXRef-BaseImage"}]
' "$dir/syft.spdx.json" >"$dir/sbom.spdx.json"
jq --arg name "$base_repo" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
  --arg own "pkg:golang/$own_module" --arg license "$own_license" '
  (.components[] | select((.purl // "") | split("@")[0] == $own) | .licenses) = [{license: {id: $license}}]
  | .metadata.component.pedigree.ancestors = [{
      type: "container", "bom-ref": "base-image", name: $name, version: $digest, purl: $purl,
      description: ("base image, built FROM " + $ref)
    }]
' "$dir/syft.cdx.json" >"$dir/sbom.cdx.json"
rm "$dir/syft.spdx.json" "$dir/syft.cdx.json"

jq -e '.spdxVersion == "SPDX-2.3"' "$dir/sbom.spdx.json" >/dev/null || die "syft did not write SPDX 2.3"
say "$(jq '[.packages[] | select(.externalRefs[]?.referenceLocator | startswith("pkg:golang/"))] | length' "$dir/sbom.spdx.json") Go packages, base $base"
echo "$dir/sbom.spdx.json"
echo "$dir/sbom.cdx.json"
