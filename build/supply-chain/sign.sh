#!/usr/bin/env bash
# Signs an image by digest and attests its SPDX SBOM, its CycloneDX SBOM and
# its SLSA v1 provenance.
#
# With COSIGN_KEY (a cosign key file; COSIGN_PASSWORD if it has one) it needs
# no Sigstore service at all: no signing config fetched, no transparency log.
# Signatures use the .sig/.att tag layout, which admission controllers
# (sigstore policy-controller, Kyverno) read.
# Without COSIGN_KEY it signs keyless, with the CI job's OIDC identity, and
# records the signature in Sigstore's public transparency log.
#
# usage: sign.sh IMAGE@sha256:...
# inputs: $OUT/images/<digest>/sbom.{spdx,cdx}.json (made by sbom.sh when
#         missing) and provenance.json (written at build time; PROVENANCE=file
#         overrides)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
dir=$(out_dir_for "$image")

provenance=${PROVENANCE:-$(provenance_file "$image")}
[[ -f $provenance ]] || die "no provenance for $image at $provenance: build the image with ko-build.sh, write it with provenance.sh, or pass PROVENANCE=file"
if [[ ! -f $dir/sbom.spdx.json || ! -f $dir/sbom.cdx.json ]]; then
  "$repo/build/supply-chain/sbom.sh" "$image" >/dev/null
fi

# Old (.sig/.att) layout: the admission controllers read it; cosign's
# new bundle format they do not (yet).
flags=(--yes --new-bundle-format=false --use-signing-config=false)
if [[ -n ${COSIGN_KEY:-} ]]; then
  [[ -f $COSIGN_KEY ]] || die "COSIGN_KEY=$COSIGN_KEY: no such file"
  offline=$(mktemp -d)
  trap 'rm -rf "$offline"' EXIT
  cosign trusted-root create --out "$offline/trusted-root.json"
  flags+=(--key "$COSIGN_KEY" --tlog-upload=false --trusted-root "$offline/trusted-root.json")
  how="key $COSIGN_KEY, no transparency log"
else
  how="keyless (OIDC identity of this job, Sigstore public services)"
fi
if local_registry "$image"; then flags+=(--allow-insecure-registry); fi

# sign_and_attest TARGET DIR: the signature, then the SBOMs in DIR and the
# provenance as attestations, each on TARGET's digest.
sign_and_attest() {
  local target=$1 dir=$2
  say "signing $target ($how)"
  cosign sign "${flags[@]}" "$target"
  for att in "spdxjson:$dir/sbom.spdx.json" "cyclonedx:$dir/sbom.cdx.json" "slsaprovenance1:$provenance"; do
    say "attesting $target --type ${att%%:*} --predicate ${att#*:}"
    cosign attest "${flags[@]}" --type "${att%%:*}" --predicate "${att#*:}" "$target"
  done
}

sign_and_attest "$image" "$dir"
# Each platform manifest of an index too, with its own SBOMs: a runtime
# that pulls one platform (CRI-O, podman, containers/image) checks the
# signature of the manifest it pulls, not the index's.
while read -r platform target; do
  [[ -n $target ]] || continue
  pdir=$(out_dir_for "$target")
  if [[ ! -f $pdir/sbom.spdx.json || ! -f $pdir/sbom.cdx.json ]]; then
    "$repo/build/supply-chain/sbom.sh" "$target" >/dev/null
  fi
  say "the $platform manifest of $image"
  sign_and_attest "$target" "$pdir" </dev/null
done <<<"$(platform_manifests "$image")"
say "signed and attested $image"
