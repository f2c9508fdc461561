#!/usr/bin/env bash
# Writes the SBOMs of an image, SPDX 2.3 and CycloneDX JSON, made by syft from
# the pushed image: every Go module compiled into the binary (version, purl,
# license), the Go standard library version, the files of the base image, and
# the base image itself, named with its digest (syft does not record it, so it
# is added from the image's org.opencontainers.image.base.* annotations or
# labels).
#
# A multi-platform image (an index) gets one SBOM that covers every
# platform, describing the index digest it is attested on: each platform's
# image is a package of its own (its digest, its base image), holding that
# platform's packages, whose SPDX ids (and CycloneDX bom-refs) carry the
# platform as a prefix. The per-platform SBOMs it is made of stay beside it,
# under each platform manifest's digest.
#
# usage: sbom.sh IMAGE@sha256:...
# output: $OUT/images/<digest>/sbom.spdx.json and sbom.cdx.json
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
name=$(repo_of "$image")
dir=$(out_dir_for "$image")
mkdir -p "$dir"

# Our own module is not in the module cache, so syft finds no license for it:
# declare the one in LICENSE at the repository root.
own_module=$(go -C "$repo" list -m)
own_license=MIT
grep -q '^MIT License' "$repo/LICENSE" || die "LICENSE is no longer MIT: update own_license in sbom.sh"

# scan IMAGE PLATFORM: the SBOMs of one platform's image into its own
# directory, the base image added.
scan() {
  local image=$1 platform=$2 dir manifest base base_digest purl
  dir=$(out_dir_for "$image")
  mkdir -p "$dir"
  # ko writes the base on each platform's manifest as annotations; the
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
  # ko's annotation names the platform manifest of the base; the name holds
  # the digest the build was asked to use. Record the platform's.
  : "${base_digest:=$(digest_of "$base")}"
  purl=$(oci_purl "$base" "$base_digest" "$platform")

  say "syft scan $image ($platform) -> $dir/sbom.{spdx,cdx}.json"
  # Licenses of Go modules come from the local module cache (warm after a
  # build); syft never reaches for the network here.
  SYFT_CHECK_FOR_APP_UPDATE=false SYFT_GOLANG_SEARCH_LOCAL_MOD_CACHE_LICENSES=true \
    syft scan "registry:$image" --platform "$platform" -q \
    -o "spdx-json@2.3=$dir/syft.spdx.json" -o "cyclonedx-json=$dir/syft.cdx.json"

  jq --arg name "$(repo_of "$base")" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
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
  jq --arg name "$(repo_of "$base")" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
    --arg own "pkg:golang/$own_module" --arg license "$own_license" '
    (.components[] | select((.purl // "") | split("@")[0] == $own) | .licenses) = [{license: {id: $license}}]
    | .metadata.component.pedigree.ancestors = [{
        type: "container", "bom-ref": "base-image", name: $name, version: $digest, purl: $purl,
        description: ("base image, built FROM " + $ref)
      }]
  ' "$dir/syft.cdx.json" >"$dir/sbom.cdx.json"
  rm "$dir/syft.spdx.json" "$dir/syft.cdx.json"
  jq -e '.spdxVersion == "SPDX-2.3"' "$dir/sbom.spdx.json" >/dev/null || die "syft did not write SPDX 2.3"
}

index=$(crane manifest "$image")
if ! jq -e '.manifests' <<<"$index" >/dev/null; then
  scan "$image" "$(platforms_of "$image")"
else
  spdx_docs=() cdx_docs=() platforms=()
  for platform in $(platforms_of "$image"); do
    digest=$(jq -r --arg p "$platform" '.manifests[]
      | select((.platform.os + "/" + .platform.architecture + (if .platform.variant then "/" + .platform.variant else "" end)) == $p)
      | .digest' <<<"$index")
    scan "$name@$digest" "$platform"
    spdx_docs+=("$(out_dir_for "$name@$digest")/sbom.spdx.json")
    cdx_docs+=("$(out_dir_for "$name@$digest")/sbom.cdx.json")
    platforms+=("$platform")
  done
  say "one SBOM over ${platforms[*]}, for the index $image"
  index_digest=$(digest_of "$image")
  # The index's own purl has no arch: it holds every platform.
  index_purl=$(oci_purl "$image" "$index_digest" "")
  platforms_json=$(printf '%s\n' "${platforms[@]}" | jq -R . | jq -sc .)
  jq -s --arg name "$name" --arg digest "$index_digest" --arg purl "$index_purl" \
    --arg ns "https://github.com/product-catalog/product-catalog/sbom/$index_digest/$(cat /proc/sys/kernel/random/uuid)" \
    --argjson platforms "$platforms_json" '
    # prefix ID: an SPDX id of one platform, made unique in the whole document.
    def prefix($p): if . == "SPDXRef-DOCUMENT" or . == "NOASSERTION" or . == "NONE" then .
                    else "SPDXRef-" + $p + "-" + ltrimstr("SPDXRef-") end;
    [ to_entries[] | .key as $i | .value as $doc | ($platforms[$i] | gsub("/"; "-")) as $p
      | ($doc.documentDescribes[0] // ([$doc.relationships[] | select(.relationshipType == "DESCRIBES")][0].relatedSpdxElement)) as $root
      | {root: ($root | prefix($p)),
         packages: [$doc.packages[] | .SPDXID |= prefix($p)],
         files: [($doc.files // [])[] | .SPDXID |= prefix($p)],
         relationships: [$doc.relationships[] | select(.relationshipType != "DESCRIBES")
           | .spdxElementId |= prefix($p) | .relatedSpdxElement |= prefix($p)]}
    ] as $parts
    | .[0] + {
        name: $name, documentNamespace: $ns, documentDescribes: ["SPDXRef-ImageIndex"],
        packages: ([{
          SPDXID: "SPDXRef-ImageIndex", name: $name, versionInfo: $digest,
          downloadLocation: "NOASSERTION", filesAnalyzed: false,
          licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION", copyrightText: "NOASSERTION",
          primaryPackagePurpose: "CONTAINER",
          comment: ("image index of " + ($platforms | join(", "))),
          externalRefs: [{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: $purl}]
        }] + [$parts[].packages[]]),
        files: [$parts[].files[]],
        relationships: ([{spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: "SPDXRef-ImageIndex"}]
          + [$parts[] | {spdxElementId: "SPDXRef-ImageIndex", relationshipType: "CONTAINS", relatedSpdxElement: .root}]
          + [$parts[].relationships[]])
      }
    | if .files == [] then del(.files) else . end
  ' "${spdx_docs[@]}" >"$dir/sbom.spdx.json"
  jq -s --arg name "$name" --arg digest "$index_digest" --arg purl "$index_purl" \
    --arg serial "urn:uuid:$(cat /proc/sys/kernel/random/uuid)" --argjson platforms "$platforms_json" '
    [ to_entries[] | .key as $i | .value as $doc | $platforms[$i] as $platform
      | def ref: $platform + "/" + .;
      {platform: ($doc.metadata.component
          | {type: "container", "bom-ref": $platform, name, version, purl, pedigree,
             properties: [{name: "platform", value: $platform}]}),
       components: [($doc.components // [])[] | ."bom-ref" |= ref],
       dependencies: [($doc.dependencies // [])[] | .ref |= ref | .dependsOn |= map(ref)]}
    ] as $parts
    | .[0] + {
        serialNumber: $serial,
        metadata: (.[0].metadata + {component: {
          type: "container", "bom-ref": "image-index", name: $name, version: $digest, purl: $purl,
          description: ("image index of " + ($platforms | join(", "))),
          pedigree: {ancestors: [$parts[].platform as $pl | $pl.pedigree.ancestors[]? | ."bom-ref" = ($pl["bom-ref"] + "/base-image")]}
        }}),
        components: ([$parts[].platform | del(.pedigree)] + [$parts[].components[]]),
        dependencies: ([{ref: "image-index", dependsOn: [$parts[].platform["bom-ref"]]}] + [$parts[].dependencies[]])
      }
  ' "${cdx_docs[@]}" >"$dir/sbom.cdx.json"
fi

say "$(jq '[.packages[] | select(.externalRefs[]?.referenceLocator | startswith("pkg:golang/"))] | length' "$dir/sbom.spdx.json") Go packages in $dir/sbom.spdx.json"
echo "$dir/sbom.spdx.json"
echo "$dir/sbom.cdx.json"
