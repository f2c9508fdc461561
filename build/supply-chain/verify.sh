#!/usr/bin/env bash
# Verifies an image by digest: its signature, then its SPDX, CycloneDX and
# SLSA provenance attestations, each checked against its policy in
# policy/attestations/. Any failure exits non-zero and says which check
# failed and why.
#
# With COSIGN_PUB (a cosign public key) it needs no Sigstore service: the
# signatures were made without a transparency log. Without COSIGN_PUB it
# verifies the keyless signature of this repository's CI workflow on the
# default branch or a release tag, against Sigstore's public trust root,
# and then the SLSA Build L3 provenance that slsa-framework/
# slsa-github-generator's container workflow attested on the image: signed
# by that workflow at the tag policy/attestations/provenance-slsa3 names,
# in a run of this repository for a push, and passing that policy.
#
# usage: verify.sh IMAGE@sha256:... or IMAGE:tag@sha256:... (the tag must
#        still point at the digest)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
source_repo=${SOURCE_REPO:-https://github.com/product-catalog/product-catalog}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/cosign.log

flags=()
if [[ -n ${COSIGN_PUB:-} ]]; then
  [[ -f $COSIGN_PUB ]] || die "COSIGN_PUB=$COSIGN_PUB: no such file"
  cosign trusted-root create --out "$work/trusted-root.json"
  flags+=(--key "$COSIGN_PUB" --insecure-ignore-tlog --trusted-root "$work/trusted-root.json")
  who="the key $COSIGN_PUB"
else
  identity="^${source_repo//./\\.}/\\.github/workflows/ci\\.yml@refs/(heads/main|tags/v[0-9].*)$"
  flags+=(--certificate-identity-regexp "$identity"
    --certificate-oidc-issuer https://token.actions.githubusercontent.com)
  who="the CI workflow of $source_repo"
fi
if local_registry "$image"; then flags+=(--allow-insecure-registry); fi

# explain: cosign's last error line, after a reason a person can act on.
# Always ends the script with a reason: when cosign printed no error line
# (grep finds nothing), its last lines are the reason.
explain() {
  local what=$1 err
  err=$({ grep -E '^(Error|error during command execution):' "$log" || true; } | tail -n1 | sed 's/^[^:]*: //')
  case $err in
    *"no signatures found"* | *"no matching signatures"*"not found"*)
      die "$what: $image has no signature" ;;
    *"no matching attestations"* | *"none of the attestations matched the predicate type"*)
      die "$what: $image has no such attestation signed by $who" ;;
    *"invalid signature when validating ASN.1"* | *"crypto/rsa: verification error"* | *"failed to verify signature"*)
      die "$what: no signature on $image verifies with $who (wrong key?): $err" ;;
    *"invalid or missing digest in claim"* | *"digest"*"mismatch"* | *"does not match"*)
      die "$what: the signature found for $image was made for another image (copied signature?): $err" ;;
    *) die "$what: cosign failed: ${err:-$(tail -n3 "$log" | grep . || echo "it printed nothing")}" ;;
  esac
}

# statement_reasons POLICY: for each envelope cosign printed (stdin, one
# per line), the reasons its statement, as signed, fails POLICY under
# conftest, one per line; nothing when every statement passes. Fails
# closed: an envelope that is not one JSON object with one "payload" key
# (Go's JSON decoding, and so cosign's, matches keys whatever their case,
# so "PAYLOAD" beside "payload" could be the one it checked), a statement
# that is not a JSON object, a conftest that fails without a reason or
# runs no rule, and no envelope at all are reasons too. The statement is
# read as JSON, as cosign reads it: conftest's default for stdin is YAML,
# which refuses or changes some valid JSON ("\/", raw control characters).
statement_reasons() {
  local policy=$1 envelope statement out envelopes=0
  while IFS= read -r envelope || [[ -n $envelope ]]; do
    [[ -n $envelope ]] || continue
    envelopes=$((envelopes + 1))
    if ! jq -e 'type == "object" and ([keys[] | ascii_downcase] | length == (unique | length))' \
      <<<"$envelope" >/dev/null 2>&1; then
      echo "  envelope $envelopes that cosign printed is not one JSON object with keys distinct whatever their case"
      continue
    fi
    if ! statement=$(jq -er '.payload | @base64d' <<<"$envelope" 2>/dev/null) ||
      ! jq -e 'type == "object"' <<<"$statement" >/dev/null 2>&1; then
      echo "  envelope $envelopes that cosign printed holds no statement (a JSON object)"
      continue
    fi
    if ! out=$(conftest test --no-color --parser json -p "$policy" --namespace signature - <<<"$statement" 2>&1); then
      sed -n 's/^FAIL - - signature - /  /p' <<<"$out" | grep . ||
        echo "  conftest failed without a reason: $(tail -n1 <<<"$out")"
    elif ! grep -qE '^[1-9][0-9]* tests?, ' <<<"$out"; then
      echo "  conftest ran no rule of the policy on statement $envelopes: $(tail -n1 <<<"$out")"
    fi
  done
  ((envelopes > 0)) || echo "  cosign printed no attestation"
}

# attestation IMAGE TYPE POLICY COSIGN_FLAG...: the TYPE attestations of
# IMAGE that verify with the flags, each checked against POLICY twice: by
# cosign, which hands the policy the statement re-encoded (it drops keys
# in-toto's Statement does not know), then by conftest on each statement
# as it was signed, so the policy's rules on the statement's own keys and
# subjects bite here as they do in admission. On a failure, the policy's
# reasons or cosign's, named.
attestation() {
  local image=$1 type=$2 policy=$3 reasons
  shift 3
  say "verifying the $type attestation against ${policy#"$repo/"}"
  if ! cosign verify-attestation "$@" --type "$type" --policy "$policy" \
    "$image" >"$log.out" 2>"$log"; then
    # The attestations verified but one failed its policy: name the reasons.
    if grep -q 'validation errors occurred' "$log" &&
      cosign verify-attestation "$@" --type "$type" "$image" >"$log.out" 2>/dev/null; then
      reasons=$(statement_reasons "$policy" <"$log.out")
      die "the $type attestation of $image fails ${policy#"$repo/"}:"$'\n'"${reasons:-  (no reason given)}"
    fi
    explain "$type attestation"
  fi
  reasons=$(statement_reasons "$policy" <"$log.out")
  [[ -z $reasons ]] ||
    die "the $type attestation of $image, as signed, fails ${policy#"$repo/"}:"$'\n'"$reasons"
}

# verify_one TARGET: its signature, then each attestation against its
# policy. explain and the messages name the digest being checked.
verify_one() {
  local image=$1 check
  say "verifying the signature of $image with $who"
  cosign verify "${flags[@]}" "$image" >/dev/null 2>"$log" || explain "signature"

  for check in spdxjson:spdx cyclonedx:cyclonedx slsaprovenance1:provenance; do
    attestation "$image" "${check%%:*}" "$repo/policy/attestations/${check#*:}/policy.rego" "${flags[@]}"
  done
}

# verify_slsa3 IMAGE: the generator's SLSA Build L3 provenance of the
# pushed index (the generator attests the digest it is given, the index).
# Its identity is every caller's, so the certificate must also say that a
# run of this repository, for a push, asked for it; the policy then binds
# what the generator wrote to this repository's release refs. The type is
# given by its URI, so that cosign hands the policy the predicate whole; the
# statement around it cosign re-encodes through in-toto's Statement before
# the policy sees it, so the policy's rules on top-level and subject keys
# take effect under conftest, on the statements as signed (attestation()
# runs both; policy/attestations/provenance-slsa3/policy.rego says what
# cosign keeps).
verify_slsa3() {
  local image=$1 policy=$repo/policy/attestations/provenance-slsa3/policy.rego generator
  generator=$(sed -n 's/^generator := "\(.*\)"$/\1/p' "$policy")
  [[ $generator == https://* ]] || die "${policy#"$repo/"} names no generator"
  local who="the SLSA generator ($generator) in a run of ${source_repo#https://github.com/}"
  local l3=(--certificate-identity "$generator"
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
    --certificate-github-workflow-repository "${source_repo#https://github.com/}"
    --certificate-github-workflow-trigger push)
  if local_registry "$image"; then l3+=(--allow-insecure-registry); fi
  attestation "$image" https://slsa.dev/provenance/v0.2 "$policy" "${l3[@]}"
}

verify_one "$image"
# With your key there is no L3 provenance to check: the generator signs with
# its Sigstore identity, not your key (SECURITY.md, "Air-gapped").
if [[ -z ${COSIGN_PUB:-} ]]; then verify_slsa3 "$image"; fi
# An index's platform manifests are signed and attested each (sign.sh).
platforms=0
while read -r platform target; do
  [[ -n $target ]] || continue
  say "the $platform manifest of $image"
  verify_one "$target" </dev/null
  platforms=$((platforms + 1))
done <<<"$(platform_manifests "$image")"
what=$image
((platforms == 0)) || what="$image and its $platforms platform manifests"
slsa3=""
[[ -n ${COSIGN_PUB:-} ]] || slsa3="; the SLSA generator's L3 provenance of $image verifies and passes policy/attestations/provenance-slsa3"
say "ok: $what: signed by $who; the SPDX, CycloneDX and provenance attestations of each verify and pass policy/attestations, in cosign and as signed$slsa3"
