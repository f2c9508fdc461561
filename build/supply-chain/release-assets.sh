#!/usr/bin/env bash
# Writes a version tag's GitHub release assets into DIR (the workflow's
# release-assets job publishes them with release-publish.sh), each taken
# from what the registry holds about the released images after it verified,
# and each signed:
#
#   images.txt                    the released images, by digest
#   NAME.spdx.json, NAME.cdx.json each image's SBOMs (the attested predicates)
#   NAME.intoto.jsonl             the SLSA generator's L3 provenance of the
#                                 image: its DSSE envelopes, one a line, as
#                                 cosign verified them
#   FILE.sigstore.json            a Sigstore bundle for each file above:
#                                 cosign sign-blob, keyless, with this
#                                 workflow's identity at the tag
#
# NAME is the image's repository name (product-catalog, product-catalog-ko).
#
# One release, one identity: VERSION is the tag being released, and every
# signature this script accepts or makes is bound to it. The SBOM
# attestations must verify with exactly
# <repository>/.github/workflows/ci.yml@refs/tags/$VERSION (no pattern), the
# L3 provenance's certificate must name a run of refs/tags/$VERSION, and
# each bundle is checked with that exact identity right after signing, the
# command SECURITY.md gives users. A bundle from another release (or from
# main) does not verify for this one, so assets cannot be moved from one
# release to another unnoticed.
#
# OpenSSF Scorecard's Signed-Releases check reads release assets only, and
# counts a release as signed by an asset ending in .sigstore.json (among
# .asc, .minisig, .sig, .sign, .sigstore) and as carrying provenance by one
# ending in .intoto.jsonl. It counts names: it neither opens nor verifies
# them (ossf/scorecard v5.5.0, which scorecard-action v2.4.4 runs, and its
# main branch of 2026-08: probes/releasesAreSigned and
# probes/releasesHaveProvenance compare suffixes; docs/checks.md, "The check
# does not verify the signatures"). So the score says nothing about whether
# these bundles verify; the verification below and SECURITY.md's command
# do. The signatures and attestations that admission and `make verify`
# read stay in the registry.
#
# Keyless only: it runs in the release workflow, whose OIDC token signs.
#
# usage: VERSION=vX.Y.Z release-assets.sh DIR IMAGE@sha256:... [IMAGE@sha256:...]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage="usage: VERSION=vX.Y.Z release-assets.sh DIR IMAGE@sha256:... [IMAGE@sha256:...]"
dir=${1:?$usage}
shift
(($# > 0)) || die "$usage"
[[ -z ${COSIGN_KEY:-}${COSIGN_PUB:-} ]] || die "release assets are signed keyless, by the release workflow; unset COSIGN_KEY and COSIGN_PUB"
version=${VERSION:-}
# The release gate's version rule, on a v* tag (the only tags the workflow runs for).
[[ $version =~ ^v[0-9][0-9A-Za-z._+-]{0,126}$ ]] ||
  die "VERSION='$version' is not a version tag (v followed by a digit): the assets are bound to one release's tag"
[[ ! -e $dir ]] || die "$dir exists: the assets go into a new directory, so that nothing else is uploaded"
"$repo/build/tools/install.sh" cosign conftest crane >&2
mkdir -p "$dir"
source_repo=${SOURCE_REPO:-https://github.com/product-catalog/product-catalog}
issuer=https://token.actions.githubusercontent.com
# This release's signer, exactly: the workflow at this tag.
ours=$source_repo/.github/workflows/ci.yml@refs/tags/$version
l3_policy=$repo/policy/attestations/provenance-slsa3/policy.rego
generator=$(sed -n 's/^generator := "\(.*\)"$/\1/p' "$l3_policy")
[[ $generator == https://* ]] || die "${l3_policy#"$repo/"} names no generator"

# first_predicate FILE: the predicate of the first statement cosign printed.
first_predicate() { head -n1 "$1" | jq '.payload | @base64d | fromjson | .predicate'; }

for ref in "$@"; do
  image=$(image_arg "$ref")
  name=$(basename "$(repo_of "$image")")
  [[ $name =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die "$image: repository name '$name' cannot name a file"
  [[ ! -e $dir/$name.spdx.json ]] || die "two images named $name"
  # Everything make verify checks: the signature, both SBOMs and our
  # provenance against policy/attestations, and the L3 provenance.
  "$repo/build/supply-chain/verify.sh" "$image"

  say "$image: the SBOMs as attested"
  # TYPE:POLICY:SUFFIX
  for sbom in spdxjson:spdx:spdx cyclonedx:cyclonedx:cdx; do
    IFS=: read -r type policy suffix <<<"$sbom"
    cosign verify-attestation --certificate-identity "$ours" --certificate-oidc-issuer "$issuer" \
      --type "$type" --policy "$repo/policy/attestations/$policy/policy.rego" "$image" >"$dir/.statements" 2>/dev/null ||
      die "$image: the $type attestation does not verify with this release's identity ($ours)"
    first_predicate "$dir/.statements" >"$dir/$name.$suffix.json"
  done

  say "$image: the generator's L3 provenance as attested"
  cosign verify-attestation --certificate-identity "$generator" --certificate-oidc-issuer "$issuer" \
    --certificate-github-workflow-repository "${source_repo#https://github.com/}" \
    --certificate-github-workflow-trigger push \
    --certificate-github-workflow-ref "refs/tags/$version" \
    --type https://slsa.dev/provenance/v0.2 --policy "$l3_policy" "$image" >"$dir/$name.intoto.jsonl" 2>/dev/null ||
    die "$image: the L3 provenance does not verify as made in a run of refs/tags/$version"
  [[ -s $dir/$name.intoto.jsonl ]] || die "$image: cosign printed no L3 provenance"
  echo "$image" >>"$dir/images.txt"
done
rm -f "$dir/.statements"

mapfile -t files < <(find "$dir" -maxdepth 1 -type f | sort)
for file in "${files[@]}"; do
  say "signing ${file#"$dir/"} (keyless, Sigstore bundle ${file#"$dir/"}.sigstore.json)"
  # As sign.sh signs images: the public Fulcio and Rekor, not a signing
  # config fetched at signing time.
  cosign sign-blob --yes --use-signing-config=false --bundle "$file.sigstore.json" "$file" >/dev/null
  # SECURITY.md's command, exactly.
  cosign verify-blob --bundle "$file.sigstore.json" --certificate-identity "$ours" \
    --certificate-oidc-issuer "$issuer" --certificate-github-workflow-trigger push "$file" >/dev/null 2>&1 ||
    die "${file#"$dir/"}: its own bundle does not verify with this release's identity ($ours)"
done
say "release assets in $dir: $(find "$dir" -maxdepth 1 -type f -printf '%f\n' | sort | tr '\n' ' ')"
