#!/usr/bin/env bash
# Writes the SLSA v1 provenance predicate for an image this repository just
# built: who built it, how, from which commit, go.sum and base image, and
# with which parameters, and the Go version in each platform's binary.
# ko-build.sh, CI and test.sh call it right after the
# push; sign.sh attests the result as --type slsaprovenance1. The predicate
# goes to $OUT/images/<digest>/provenance.json, where sign.sh looks for it;
# its path is printed.
#
# usage: provenance.sh ko|dockerfile IMAGE@sha256:... BASE_IMAGE@sha256:...
# env:   VERSION (required), GO_IMAGE (dockerfile builds), SOURCE_REPO,
#        BUILD_STARTED (RFC 3339), BUILDER_ID
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage="usage: provenance.sh ko|dockerfile IMAGE@sha256:... BASE_IMAGE@sha256:..."
kind=${1:?$usage} image=${2:?$usage} base=${3:?$usage}
require_digest_ref IMAGE "$image"
require_digest_ref "the base image" "$base"
: "${VERSION:?set VERSION, the version stamped into the binary}"
source_repo=${SOURCE_REPO:-https://github.com/product-catalog/product-catalog}
cd "$repo"

case $kind in
  ko)
    build_type="$source_repo/blob/main/build/supply-chain/ko-build.sh@v1"
    recipe=.ko.yaml
    parameters=$(jq -n --arg base "$base" \
      '{flags: ["-trimpath"], ldflags: ["-s -w", "-X main.version=" + env.VERSION],
        env: ["CGO_ENABLED=0"], defaultBaseImage: $base}') ;;
  dockerfile)
    : "${GO_IMAGE:?set GO_IMAGE, the builder image the Dockerfile build used}"
    require_digest_ref GO_IMAGE "$GO_IMAGE"
    build_type="$source_repo/blob/main/Dockerfile@v1"
    recipe=Dockerfile
    parameters=$(jq -n --arg base "$base" \
      '{buildArgs: {GO_IMAGE: env.GO_IMAGE, RUNTIME_IMAGE: $base, VERSION: env.VERSION}}') ;;
  *) die "unknown build kind '$kind' (want ko or dockerfile)" ;;
esac

platforms=$(platforms_of "$image" | jq -R . | jq -sc .)
# The Go that really built each platform's binary, read from the binary:
# with GO_IMAGE it need not be the Go of the Dockerfile's default, nor the
# Go of the machine that runs this script.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go_versions={}
for platform in $(jq -r '.[]' <<<"$platforms"); do
  binary=$(extract_binary "$image" "$platform" "$work/${platform//\//-}")
  go_versions=$(jq -c --arg p "$platform" --arg v "$(go version "$binary" | awk '{print $2}')" '. + {($p): $v}' <<<"$go_versions")
done

commit=$(git rev-parse HEAD)
ref=${GITHUB_REF:-$(git symbolic-ref -q HEAD || echo "$commit")}
dirty=false
[[ -z $(git status --porcelain --untracked-files=no) ]] || dirty=true
if [[ ${GITHUB_ACTIONS:-} == true ]]; then
  builder=${BUILDER_ID:-$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF}
  invocation="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT"
else
  builder=${BUILDER_ID:-urn:product-catalog:local-build:$(uname -n)}
  invocation="urn:uuid:$(cat /proc/sys/kernel/random/uuid)"
fi
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

out=$(provenance_file "$image")
mkdir -p "$(dirname "$out")"
jq -n \
  --arg buildType "$build_type" --arg repo "$source_repo" --arg ref "$ref" \
  --arg commit "$commit" --argjson dirty "$dirty" --arg version "$VERSION" \
  --argjson platforms "$platforms" --argjson parameters "$parameters" \
  --arg recipe "$recipe" --arg recipeSha "$(sha256sum "$recipe" | cut -d' ' -f1)" \
  --arg goSum "$(sha256sum go.sum | cut -d' ' -f1)" \
  --arg baseName "${base%@*}" --arg baseDigest "$(digest_of "$base")" \
  --argjson goVersions "$go_versions" --arg builderImage "${GO_IMAGE:-}" \
  --arg basePurl "$(oci_purl "$base" "$(digest_of "$base")" "")" \
  --arg builderPurl "$([[ -z ${GO_IMAGE:-} ]] || oci_purl "$GO_IMAGE" "$(digest_of "$GO_IMAGE")" "")" \
  --arg runnerImage "${ImageOS:-}${ImageVersion:+/$ImageVersion}" \
  --arg builder "$builder" --arg invocation "$invocation" \
  --arg started "${BUILD_STARTED:-$now}" --arg finished "$now" '
{
  buildDefinition: {
    buildType: $buildType,
    externalParameters: {
      source: {repository: $repo, ref: $ref, commit: $commit, dirty: $dirty},
      recipe: $recipe, version: $version, platforms: $platforms
    },
    internalParameters: ($parameters + {goVersions: $goVersions}),
    resolvedDependencies: ([
      {uri: ("git+" + $repo + "@" + $ref), digest: {gitCommit: $commit}},
      {name: "go.sum", uri: ($repo + "/blob/" + $commit + "/go.sum"), digest: {sha256: $goSum}},
      {name: $recipe, uri: ($repo + "/blob/" + $commit + "/" + $recipe), digest: {sha256: $recipeSha}},
      {name: "base image", uri: $basePurl, digest: {sha256: ($baseDigest | ltrimstr("sha256:"))}}
    ] + (if $builderImage == "" then [] else [
      {name: "builder image", uri: $builderPurl,
       digest: {sha256: ($builderImage | split("@sha256:")[1])}}
    ] end))
  },
  runDetails: {
    # builder.version: what ran the build, besides its id: the revision of
    # these scripts and, on a hosted runner, its image.
    builder: {id: $builder, version: ({"build/supply-chain": $commit}
      + (if $runnerImage == "" then {} else {"runner-image": $runnerImage} end))},
    metadata: {invocationId: $invocation, startedOn: $started, finishedOn: $finished}
  }
}' >"$out"
echo "$out"
