#!/usr/bin/env bash
# Reads an OCI image index (or Docker manifest list) on stdin and prints its
# platform manifests as one line, "OS/ARCH[/VARIANT]@sha256:..." each,
# sorted, separated by spaces: the form in which the workflow compares the
# release it pushed with the image its two reproducibility runners built
# (.github/workflows/ci.yml, jobs reproducible-1, reproducible-2 and image).
#
# BuildKit's attestation manifests (annotation vnd.docker.reference.type:
# attestation-manifest) are left out: the release's index lists its SBOM and
# provenance attestations, which record build times, beside the platform
# manifests, and the reproducibility builds make none. Every other entry
# counts, so an extra manifest, or one without a platform, makes the line
# differ. Fails on anything that is not an index with at least one
# platform manifest, each by a sha256 digest.
#
# usage: platform-digests.sh <INDEX.json
set -euo pipefail
script=$(basename "$0")
die() { echo "$script: FAIL: $*" >&2; exit 1; }
(($# == 0)) || die "usage: $script <INDEX.json (the index on stdin)"
index=$(cat)
[[ -n $index ]] || die "no index on stdin"
line=$(jq -er '
  if (type != "object") or ((.manifests | type) != "array") then error("not an image index: no manifests list") else . end
  | [.manifests[]
      | select((.annotations // {})["vnd.docker.reference.type"] != "attestation-manifest")
      | if (.digest | type) != "string" or (.digest | test("^sha256:[0-9a-f]{64}$") | not)
        then error("a manifest without a sha256 digest: \(.digest)") else . end
      | if (.platform.os | type) != "string" or (.platform.architecture | type) != "string"
        then error("\(.digest) names no platform") else . end
      | ([.platform.os, .platform.architecture] + (if .platform.variant then [.platform.variant] else [] end) | join("/"))
        + "@" + .digest]
  | if length == 0 then error("no platform manifests") else . end
  | sort | join(" ")' <<<"$index" 2>&1) || die "${line:-jq failed}"
echo "$line"
