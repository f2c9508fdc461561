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

# license_texts SPDX: the license files syft could not name, as
# {LicenseRef-<sha256>: {name, text, url}}. Syft names each by the hash of
# the file and points at it with a file:// URL into its own module cache;
# consumers get the file's text instead, read from the module (downloaded
# through the Go proxy when not cached) and checked against that hash, and
# a URL they can open.
license_texts() {
  local id see path module rest version file dir modcache
  modcache=$(go env GOMODCACHE)
  jq -r '.hasExtractedLicensingInfos[]? | [.licenseId, (.seeAlsos[0] // "")] | @tsv' "$1" |
    while IFS=$'\t' read -r id see; do
      [[ $see == file://* ]] || continue # syft keeps a named license's own text
      path=${see#"file://\$GOPATH/pkg/mod/"}
      [[ $path != "$see" ]] || path=${see#"file://$modcache/"}
      [[ $path != "$see" && $path == *@*/* ]] || die "$id: syft points at $see, not at a file of a Go module"
      module=${path%%@*} rest=${path#*@}
      version=${rest%%/*} file=${rest#*/}
      dir=$(go mod download -json "$module@$version" | jq -r '.Dir // empty')
      [[ -f $dir/$file ]] || die "$id: $module@$version has no $file"
      [[ $(sha256sum "$dir/$file" | cut -d' ' -f1) == "${id#LicenseRef-}" ]] ||
        die "$id: $module@$version/$file does not hash to the id syft gave it"
      jq -n --arg id "$id" --arg name "$module $version $file" --rawfile text "$dir/$file" \
        --arg url "https://pkg.go.dev/$module@$version?tab=licenses" '{($id): {name: $name, text: $text, url: $url}}'
    done | jq -s 'add // {}'
}

# scan IMAGE PLATFORM: the SBOMs of one platform's image into its own
# directory, the base image added.
scan() {
  local image=$1 platform=$2 dir base base_digest purl named_purl version self_purl
  dir=$(out_dir_for "$image")
  mkdir -p "$dir"
  read -r base base_digest < <(base_of "$image" "$platform")
  [[ -n $base ]] || die "no base image for $image ($platform)"
  # Two identities: the digest the build named (an index, for multi-platform
  # bases) and the manifest of the platform that was scanned. The package's
  # version is the scanned one; the named one is a second purl, without arch.
  purl=$(oci_purl "$base" "$base_digest" "$platform")
  named_purl=$(oci_purl "$base" "$(digest_of "$base")" "")
  # The main module's version: what the binary was stamped with, which both
  # builds also write as the image's version label. Go records "(devel)".
  version=$(image_label "$image" "$platform" org.opencontainers.image.version)
  [[ -n $version ]] || die "$image ($platform) has no org.opencontainers.image.version label: the main module's version is unknown"

  say "syft scan $image ($platform) -> $dir/sbom.{spdx,cdx}.json"
  # Licenses of Go modules come from the local module cache (warm after a
  # build); syft never reaches for the network here. Syft looks in
  # $GOPATH/pkg/mod unless told: the go command's GOMODCACHE may be elsewhere.
  SYFT_CHECK_FOR_APP_UPDATE=false SYFT_GOLANG_SEARCH_LOCAL_MOD_CACHE_LICENSES=true \
    SYFT_GOLANG_LOCAL_MOD_CACHE_DIR="$(go env GOMODCACHE)" \
    syft scan "registry:$image" --platform "$platform" -q \
    -o "spdx-json@2.3=$dir/syft.spdx.json" -o "cyclonedx-json@1.6=$dir/syft.cdx.json"

  self_purl=$(oci_purl "$image" "$(digest_of "$image")" "$platform")
  license_texts "$dir/syft.spdx.json" >"$dir/licenses.json"
  jq --slurpfile texts "$dir/licenses.json" --arg name "$(repo_of "$base")" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
    --arg named "$(digest_of "$base")" --arg namedPurl "$named_purl" --arg self "$self_purl" \
    --arg own "pkg:golang/$own_module" --arg license "$own_license" --arg version "$version" '
    (.packages[] | select(.primaryPackagePurpose == "CONTAINER") | .externalRefs) |=
      [{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: $self}]
    | if has("hasExtractedLicensingInfos") then .hasExtractedLicensingInfos |= map($texts[0][.licenseId] as $t
        | if $t then .extractedText = $t.text | .name = $t.name | .seeAlsos = [$t.url] else . end) else . end
    | (.packages[] | select(any(.externalRefs[]?; .referenceLocator | split("@")[0] == $own))) |= (
      .licenseDeclared = $license | .versionInfo = $version
      | .externalRefs |= map(if .referenceType == "purl" then .referenceLocator = $own + "@" + $version else . end))
    | . as $doc
    | ($doc.documentDescribes[0] // ([$doc.relationships[] | select(.relationshipType == "DESCRIBES")][0].relatedSpdxElement)) as $root
    | .packages += [{
        SPDXID: "SPDXRef-BaseImage", name: $name, versionInfo: $digest,
        downloadLocation: "NOASSERTION", filesAnalyzed: false,
        licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION",
        copyrightText: "NOASSERTION", primaryPackagePurpose: "CONTAINER",
        comment: ("base image: the build named " + $ref + " (" + $named + "); this platform'"'"'s manifest, which was scanned, is " + $digest),
        externalRefs: ([{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: $purl,
                         comment: "the platform manifest scanned"}]
          + (if $named == $digest then [] else [{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl",
                         referenceLocator: $namedPurl, comment: "the digest the build named"}] end))
      }]
    | .relationships += [{spdxElementId: $root, relationshipType: "DESCENDANT_OF", relatedSpdxElement: "SPDXRef-BaseImage"}]
  ' "$dir/syft.spdx.json" >"$dir/sbom.spdx.json"
  jq --slurpfile texts "$dir/licenses.json" --arg name "$(repo_of "$base")" --arg ref "$base" --arg digest "$base_digest" --arg purl "$purl" \
    --arg named "$(digest_of "$base")" --arg self "$self_purl" \
    --arg own "pkg:golang/$own_module" --arg license "$own_license" --arg version "$version" '
    (.components[]?.licenses[]? | select((.license.name // "") | startswith("sha256:"))) |=
      ($texts[0]["LicenseRef-" + (.license.name | ltrimstr("sha256:"))] as $t
       | if $t then {license: {name: $t.name, text: {content: $t.text, contentType: "text/plain"}, url: $t.url}} else . end)
    # Named licenses keep syft'"'"'s file:// URL into its module cache: point
    # at the module'"'"'s licenses page instead.
    | (.components[]?.licenses[]?.license | select((.url // "") | startswith("file://"))) |=
      (([.url | ltrimstr("file://$GOPATH/pkg/mod/") | capture("^(?<m>[^@]+)@(?<v>[^/]+)/")] | first) as $mv
       | if $mv then .url = "https://pkg.go.dev/\($mv.m)@\($mv.v)?tab=licenses" else del(.url) end)
    | (.components[] | select((.purl // "") | split("@")[0] == $own)) |= (
      .licenses = [{license: {id: $license}}] | .version = $version | .purl = $own + "@" + $version)
    # The image is the root of the dependency graph: its purl and digest,
    # and an edge to the main module (the binary it runs).
    | ([.components[] | select(.purl == $own + "@" + $version)][0]["bom-ref"]) as $main
    | .metadata.component.purl = $self
    | .metadata.component.hashes = [{alg: "SHA-256", content: (.metadata.component.version | ltrimstr("sha256:"))}]
    | .dependencies = ([{ref: .metadata.component["bom-ref"], dependsOn: [$main]}] + (.dependencies // []))
    | .metadata.component.pedigree.ancestors = [{
        type: "container", "bom-ref": "base-image", name: $name, version: $digest, purl: $purl,
        description: ("base image: the build named " + $ref + "; version is the platform manifest scanned"),
        properties: [{name: "product-catalog:base-image:named-digest", value: $named},
                     {name: "product-catalog:base-image:platform-digest", value: $digest}]
      }]
  ' "$dir/syft.cdx.json" >"$dir/sbom.cdx.json"
  rm "$dir/syft.spdx.json" "$dir/syft.cdx.json" "$dir/licenses.json"
  jq -e '.spdxVersion == "SPDX-2.3"' "$dir/sbom.spdx.json" >/dev/null || die "syft did not write SPDX 2.3"
}

manifests=$(platform_manifests "$image")
if [[ -z $manifests ]]; then
  scan "$image" "$(platforms_of "$image")"
else
  spdx_docs=() cdx_docs=() platforms=()
  while read -r platform target; do
    scan "$target" "$platform" </dev/null
    spdx_docs+=("$(out_dir_for "$target")/sbom.spdx.json")
    cdx_docs+=("$(out_dir_for "$target")/sbom.cdx.json")
    platforms+=("$platform")
  done <<<"$manifests"
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
      | $doc.metadata.component["bom-ref"] as $root
      | def ref: if . == $root then $platform else $platform + "/" + . end;
      {platform: ($doc.metadata.component
          | {type: "container", "bom-ref": $platform, name, version, purl, hashes, pedigree,
             properties: [{name: "platform", value: $platform}]}),
       components: [($doc.components // [])[] | ."bom-ref" |= ref],
       dependencies: [($doc.dependencies // [])[] | .ref |= ref | .dependsOn |= map(ref)]}
    ] as $parts
    | .[0] + {
        serialNumber: $serial,
        metadata: (.[0].metadata + {component: {
          type: "container", "bom-ref": "image-index", name: $name, version: $digest, purl: $purl,
          hashes: [{alg: "SHA-256", content: ($digest | ltrimstr("sha256:"))}],
          description: ("image index of " + ($platforms | join(", "))),
          pedigree: {ancestors: [$parts[].platform as $pl | $pl.pedigree.ancestors[]? | ."bom-ref" = ($pl["bom-ref"] + "/base-image")]}
        }}),
        components: ([$parts[].platform | del(.pedigree)] + [$parts[].components[]]),
        dependencies: ([{ref: "image-index", dependsOn: [$parts[].platform["bom-ref"]]}] + [$parts[].dependencies[]])
      }
  ' "${cdx_docs[@]}" >"$dir/sbom.cdx.json"
fi

# Read as consumers read them (build/tools/sbomcheck): the specs' JSON
# schemas, SPDX's and CycloneDX's Go libraries, syft's decoders.
checked=("$dir/sbom.spdx.json" "$dir/sbom.cdx.json")
if [[ -n ${spdx_docs+set} ]]; then checked+=("${spdx_docs[@]}" "${cdx_docs[@]}"); fi
sbomcheck "${checked[@]}" >&2 || die "an SBOM of $image is not read right by its consumers' tools"
say "$(jq '[.packages[] | select(.externalRefs[]?.referenceLocator | startswith("pkg:golang/"))] | length' "$dir/sbom.spdx.json") Go packages in $dir/sbom.spdx.json"
echo "$dir/sbom.spdx.json"
echo "$dir/sbom.cdx.json"
