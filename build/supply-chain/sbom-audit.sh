#!/usr/bin/env bash
# Audits an image's SPDX SBOM against the binary in the image:
#   - every module `go version -m` reports (main, deps, replacements) is in
#     the SBOM at the same version, with a golang purl;
#   - the Go standard library is there at the binary's Go version;
#   - the base image is there, by digest;
#   - every license is on the allowlist in policy/sbom/licenses.json.
# Prints one line per Go module and exits non-zero on any finding.
#
# usage: sbom-audit.sh with IMAGE=repo@sha256:... and/or SBOM=file.spdx.json
#   IMAGE only: makes the SBOM with sbom.sh first.
#   SBOM only:  audits it against the image the SBOM describes.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=${IMAGE:-} sbom=${SBOM:-}
[[ -n $image || -n $sbom ]] || die "set IMAGE=repo@sha256:... or SBOM=path/to/sbom.spdx.json"
allow=$repo/policy/sbom/licenses.json

if [[ -n $sbom ]]; then
  [[ -f $sbom ]] || die "SBOM=$sbom: no such file"
  jq -e '.spdxVersion | startswith("SPDX-2.")' "$sbom" >/dev/null 2>&1 ||
    die "SBOM=$sbom is not an SPDX 2.x JSON document"
  described=$(jq -r '[.relationships[] | select(.relationshipType == "DESCRIBES")][0].relatedSpdxElement as $root
    | [.packages[] | select(.SPDXID == $root) | .name + "@" + .versionInfo][0] // empty' "$sbom")
  require_digest_ref "the image described by SBOM=$sbom" "$described"
  if [[ -z $image ]]; then
    image=$described
  elif [[ $(digest_of "$described") != "$(digest_of "$image")" ]]; then
    die "SBOM=$sbom describes $described, not IMAGE=$image"
  fi
fi
image=$(image_arg "$image")
if [[ -z $sbom ]]; then
  "$repo/build/supply-chain/sbom.sh" "$image" >/dev/null
  sbom=$(out_dir_for "$image")/sbom.spdx.json
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# audit PLATFORM IMAGE PREFIX: the SBOM's packages whose SPDX ids start with
# PREFIX (one platform's, in an SBOM that covers several) against the binary
# of IMAGE for PLATFORM. Prints the table; returns 1 on any problem.
audit() {
  local platform=$1 image=$2 prefix=$3 pwork binary go_version
  pwork=$work/${platform//\//-}
  mkdir -p "$pwork"
  # The binary is whatever the image runs.
  binary=$(extract_binary "$image" "$platform" "$pwork")
  go version -m "$binary" >"$pwork/buildinfo" || die "${binary#"$pwork/rootfs"} in $image carries no Go build information"

  # Modules compiled in: "mod"/"dep" lines, with "=>" replacements taking over.
  awk -F'\t' '$2 == "mod" || $2 == "dep" { m = $3; v = $4 }
              $2 == "=>" { m = $3; v = $4 }
              ($2 == "mod" || $2 == "dep" || $2 == "=>") { mods[m] = v; if ($2 == "=>") delete mods[prev]; prev = $3 }
              END { for (m in mods) print m "\t" mods[m] }' "$pwork/buildinfo" | sort >"$pwork/modules"
  go_version=$(head -n1 "$pwork/buildinfo" | awk '{print $2}')
  # Go records the main module as "(devel)"; its version is the one stamped
  # into the binary (-X main.version), which the image's label repeats. The
  # audit never runs the binary: it checks that the label's version is in
  # the binary's bytes.
  main_module=$(awk -F'\t' '$2 == "mod" {print $3; exit}' "$pwork/buildinfo")
  stamped=$(image_label "$image" "$platform" org.opencontainers.image.version)
  [[ -n $stamped ]] || die "$image ($platform) has no org.opencontainers.image.version label"
  grep -aF -- "$stamped" "$binary" >/dev/null ||
    die "$image ($platform): its version label $stamped is not in its binary"

  # The base image as the image itself names it: the digest the build named
  # (annotation or label base.name) and, from ko, the platform manifest
  # (annotation base.digest), which is what the SBOM's package must be.
  local base_name base_scanned
  read -r base_name base_scanned < <(base_of "$image" "$platform")
  [[ -n $base_name ]] || die "no base image for $image ($platform)"

  jq -r --slurpfile allow "$allow" --rawfile modules "$pwork/modules" --arg go "$go_version" --arg prefix "$prefix" \
    --arg main "$main_module" --arg stamped "$stamped" \
    --arg baseNamed "$(digest_of "$base_name")" --arg baseScanned "$base_scanned" --arg provBase "$provenance_base" '
    def purl: [.externalRefs[]? | select(.referenceType == "purl") | .referenceLocator][0] // "";
    def licenses: [(.licenseConcluded, .licenseDeclared) | select(. != null and . != "NOASSERTION" and . != "NONE")]
                  | map(split(" AND ") | .[] | split(" OR ") | .[] | ltrimstr("(") | rtrimstr(")")) | unique;
    $allow[0] as $a
    | [.packages[] | select(.SPDXID | startswith($prefix))] as $mine
    | [$mine[] | select(purl | startswith("pkg:golang/"))] as $gopkgs
    | ($gopkgs | map({key: .name, value: .}) | from_entries) as $byname
    | ($modules | split("\n") | map(select(. != "") | split("\t") | {module: .[0], version: .[1]})) as $mods
    | [ $mods[] as $m
        | ($byname[$m.module]) as $p
        | (if $m.module == $main then $stamped else $m.version end) as $want
        | ($p | if . == null then [] else licenses end) as $lic
        | ($lic | map(select((. as $l | $a.go | index($l)) == null and ($a.reviewed[.] == null)))) as $bad
        | {module: $m.module, version: $want,
           sbom: (if $p == null then "missing" elif ($p.versionInfo != $want) then "version " + $p.versionInfo else "ok" end),
           purl: (if $p == null then "" else ($p | purl) end),
           license: ($lic | join(",") | if . == "" then "none found" else . end),
           problems: ([if $p == null then "not in the SBOM" elif $p.versionInfo != $want then "SBOM has version \($p.versionInfo), binary has \($want)" else empty end]
                    + [if $p != null and ($p | purl) == "" then "no purl"
                     elif $p != null and (($p | purl | split("?")[0]) | endswith("@" + $want) | not) then "its purl \($p | purl) does not name version \($want)"
                     else empty end]
                    + [if $p != null and $lic == [] then "no license found" else empty end]
                    + [$bad[] | "license \(.) not allowed for Go modules (policy/sbom/licenses.json)"])}
      ] as $rows
    | ($byname["stdlib"]) as $std
    | [$mine[] | select(.SPDXID == $prefix + "BaseImage")][0] as $base
    | [$mine[] | select((purl | startswith("pkg:golang/") or startswith("pkg:oci/")) | not)
        | select(.SPDXID | test("DocumentRoot|ImageIndex") | not)
        | {name, lic: licenses}
        | . as $o | $o.lic[] | select((. as $l | $a.os | index($l)) == null and ($a.reviewed[.] == null))
        | "base image package \($o.name): license \(.) not allowed (policy/sbom/licenses.json)"] as $osbad
    | ($rows[] | [.module, .version, .sbom, .license] | @tsv),
      "stdlib\t\($go)\t\(if $std == null then "missing" elif $std.versionInfo != $go then "version " + $std.versionInfo else "ok" end)\tBSD-3-Clause",
      "base image\t\($base.versionInfo // "-")\t\(if $base == null then "missing" else "ok" end)\t\($base.name // "-")",
      ([$rows[] | select(.problems != []) | "PROBLEM \(.module): \(.problems | join("; "))"]
       + (if $std == null then ["PROBLEM the Go standard library is not in the SBOM"]
          elif $std.versionInfo != $go then ["PROBLEM SBOM stdlib is \($std.versionInfo), the binary was built with \($go)"] else [] end)
       + (if $base == null then ["PROBLEM the base image is not in the SBOM"]
        elif $base.versionInfo != $baseScanned then ["PROBLEM the SBOM names the base image \($base.versionInfo), the image \($baseScanned)"]
        elif ($base.versionInfo != $baseNamed and
              ([$base.externalRefs[]? | .referenceLocator | select(contains($baseNamed | sub(":"; "%3A")))] | length) == 0)
          then ["PROBLEM the SBOM does not record the base image digest the build named, \($baseNamed)"]
        else [] end)
     + (if $provBase != "" and $provBase != $baseNamed
        then ["PROBLEM the provenance pins the base image \($provBase), the image names \($baseNamed)"] else [] end)
       + [$osbad[] | "PROBLEM " + .] | .[])
  ' "$sbom" >"$pwork/report"

  say "SBOM $sbom against $image ($platform)"
  { printf 'MODULE\tVERSION\tIN SBOM\tLICENSE\n'; grep -v '^PROBLEM ' "$pwork/report"; } | column -t -s $'\t'
  if grep '^PROBLEM ' "$pwork/report" >/dev/null; then
    sed -n "s|^PROBLEM |sbom-audit.sh: FAIL: $platform: |p" "$pwork/report" >&2
    return 1
  fi
  say "ok ($platform): $(grep -c . "$pwork/modules") modules, Go $go_version and the base image are in the SBOM; every license is allowed"
}

# Every relationship joins elements the document holds.
dangling=$(jq -r '([.packages[]?.SPDXID] + [.files[]?.SPDXID] + ["SPDXRef-DOCUMENT"]) as $ids
  | .relationships[]? | [.spdxElementId, .relatedSpdxElement][]
  | select(test("^(NOASSERTION|NONE|DocumentRef-)") | not) | select(. as $id | $ids | index($id) | not)' "$sbom" | sort -u)
[[ -z $dangling ]] || die "SBOM=$sbom has relationships to elements it does not hold: $(tr '\n' ' ' <<<"$dangling")"

# The provenance, when there is one for this image, must pin the same base.
provenance=${PROVENANCE:-$(provenance_file "$image")}
provenance_base=""
if [[ -f $provenance ]]; then
  provenance_base=$(jq -r '[.buildDefinition.resolvedDependencies[] | select(.name == "base image")][0].digest.sha256 // empty
    | if . == "" then "" else "sha256:" + . end' "$provenance")
  [[ -n $provenance_base ]] || die "the provenance $provenance pins no base image"
  say "checking the base image against the provenance $provenance"
fi

# An index's SBOM covers every platform (sbom.sh): each platform's binary is
# audited against its own part, whose ids carry the platform.
failed=0
manifests=$(platform_manifests "$image")
if [[ -n $manifests ]]; then
  while read -r platform target; do
    audit "$platform" "$target" "SPDXRef-${platform//\//-}-" </dev/null || failed=1
  done <<<"$manifests"
else
  audit "$(platforms_of "$image")" "$image" "SPDXRef-" || failed=1
fi
((failed == 0)) || exit 1
say "ok: the SBOM matches the binary of every platform of $image"
