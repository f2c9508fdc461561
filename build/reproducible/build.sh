#!/usr/bin/env bash
# Builds the Dockerfile so that the same commit, base images and Go give the
# same image, bit for bit: the same index digest and the same digest for
# each platform. It drives the BuildKit daemon at BUILDKIT_HOST with buildctl;
# build/docker/buildkitd.sh starts a pinned one with an empty cache:
#
#   build/docker/buildkitd.sh env OUTPUT=oci:/tmp/product-catalog.tar build/reproducible/build.sh
#
# What makes the build reproducible:
#   - SOURCE_DATE_EPOCH, the commit's time (git log -1 --format=%ct), as a
#     build arg: BuildKit writes it as the config's "created" and the
#     history's times, and as the time of the directories WORKDIR makes;
#   - the image exporter's rewrite-timestamp=true: every file time in the
#     layers this build adds is clamped to SOURCE_DATE_EPOCH (a checkout's
#     files are newer than their commit, so all of them). The base image's
#     layers are kept as they are, byte for byte: BuildKit rewrites no layer
#     whose diffID is the base image's (fixed after moby/buildkit#4805, where
#     base layers were rewritten too); make test-reproducible checks it;
#   - --no-cache, and a daemon with an empty cache: a layer taken from the
#     cache of an earlier build could skip the rewrite (moby/buildkit#4748,
#     still open), so nothing is taken from one; in BuildKit v0.33 --no-cache
#     also starts RUN cache mounts empty (seen here);
#   - exported without unpacking: rewrite-timestamp conflicts with the unpack
#     that `docker build --load` and the containerd image store need
#     (docker/cli#5256, moby/buildkit#4230), so the image is pushed to a
#     registry or written as an OCI tarball, never loaded;
#   - no attestations: provenance and SBOM attestations record times and
#     build ids, and would change the index every build;
#   - the Dockerfile itself: file modes set by COPY --chmod, owners 0:0,
#     a static binary built with -trimpath and -buildid=, and BuildKit's
#     layer tars, written in path order.
# What the build fetches is checked: the module downloads against go.sum,
# and the Go toolchain that GOTOOLCHAIN names (when the builder image is an
# older Go) against the Go checksum database.
#
# usage: OUTPUT=REGISTRY/REPO:TAG|oci:FILE build/reproducible/build.sh
# env:
#   OUTPUT             required: a reference to push to, or oci:FILE for an OCI tarball
#   PLATFORMS          linux/amd64,linux/arm64
#   CONTEXT            the build context (the repository)
#   VERSION, REVISION  as a release sets them: git describe --tags --always --dirty, git rev-parse HEAD
#   SOURCE_DATE_EPOCH  git log -1 --format=%ct
#   GO_IMAGE, RUNTIME_IMAGE  the Dockerfile's defaults unless set
#   REWRITE_TIMESTAMP=false, NO_CACHE=0   the control of make test-reproducible:
#                      the same build taken from the daemon's cache, its layers not rewritten
#   INSECURE=1         push over plain HTTP (a throw-away registry on 127.0.0.1)
# prints: "index sha256:..." and "<platform> sha256:..." for each platform
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { echo "build.sh: $*" >&2; }
: "${OUTPUT:?set OUTPUT to a reference to push to (127.0.0.1:5000/product-catalog:repro) or oci:FILE}"
: "${BUILDKIT_HOST:?no BuildKit daemon: run this under build/docker/buildkitd.sh}"
: "${PLATFORMS:=linux/amd64,linux/arm64}"
: "${CONTEXT:=$repo}"
: "${VERSION:=$(git -C "$repo" describe --tags --always --dirty)}"
: "${REVISION:=$(git -C "$repo" rev-parse HEAD)}"
: "${SOURCE_DATE_EPOCH:=$(git -C "$repo" log -1 --format=%ct)}"
: "${REWRITE_TIMESTAMP:=true}" "${NO_CACHE:=1}"
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || { say "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH is not a number of seconds"; exit 1; }
[[ -f $CONTEXT/Dockerfile ]] || { say "$CONTEXT has no Dockerfile"; exit 1; }
"$repo/build/tools/install.sh" buildctl >&2
[[ $OUTPUT == oci:* ]] || "$repo/build/tools/install.sh" crane >&2
buildctl=$repo/build/.bin/buildctl
crane=$repo/build/.bin/crane

if [[ $CONTEXT == "$repo" ]] && [[ -n $(git -C "$repo" status --porcelain -- Dockerfile .dockerignore go.mod go.sum main.go service products) ]]; then
  say "warning: the work tree differs from commit $REVISION in what the image is built from; the image is not that commit's"
fi

[[ $REWRITE_TIMESTAMP == true || $REWRITE_TIMESTAMP == false ]] || { say "REWRITE_TIMESTAMP=$REWRITE_TIMESTAMP: true or false"; exit 1; }
args=(--opt "platform=$PLATFORMS" --opt "build-arg:VERSION=$VERSION" --opt "build-arg:REVISION=$REVISION"
  --opt "build-arg:SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH")
[[ -z ${GO_IMAGE:-} ]] || args+=(--opt "build-arg:GO_IMAGE=$GO_IMAGE")
[[ -z ${RUNTIME_IMAGE:-} ]] || args+=(--opt "build-arg:RUNTIME_IMAGE=$RUNTIME_IMAGE")
[[ $NO_CACHE != 1 ]] || args+=(--no-cache)
say "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH ($(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)), rewrite-timestamp=$REWRITE_TIMESTAMP"
# OCI media types, as the release's exporter is set (.github/workflows/ci.yml):
# the image exporter's default is Docker's, and the media types are part of
# every manifest, so of every digest.
if [[ $OUTPUT == oci:* ]]; then
  output="type=oci,dest=${OUTPUT#oci:},oci-mediatypes=true,rewrite-timestamp=$REWRITE_TIMESTAMP"
else
  output="type=image,name=$OUTPUT,push=true,oci-mediatypes=true,rewrite-timestamp=$REWRITE_TIMESTAMP"
  [[ ${INSECURE:-} != 1 ]] || output+=",registry.insecure=true"
fi

metadata=$(mktemp)
trap 'rm -f "$metadata"' EXIT
say "buildctl build ${args[*]} --output $output (context $CONTEXT)"
# buildctl would also pass SOURCE_DATE_EPOCH from its environment as a
# build arg: only the one above counts.
env -u SOURCE_DATE_EPOCH "$buildctl" build --progress=plain --frontend dockerfile.v0 \
  --local "context=$CONTEXT" --local "dockerfile=$CONTEXT" "${args[@]}" \
  --output "$output" --metadata-file "$metadata" >&2
digest=$(jq -r '."containerimage.digest" // empty' "$metadata")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { say "buildctl reported no image digest"; cat "$metadata" >&2; exit 1; }

# The index names each platform's manifest.
if [[ $OUTPUT == oci:* ]]; then
  index=$(tar -xOf "${OUTPUT#oci:}" "blobs/sha256/${digest#sha256:}")
else
  name=$OUTPUT
  # A tag follows the last colon only when that colon comes after the last slash.
  if [[ ${name##*/} == *:* ]]; then name=${name%:*}; fi
  index=$("$crane" manifest "$name@$digest")
fi
if jq -e '.manifests' <<<"$index" >/dev/null; then
  echo "index $digest"
  jq -r '.manifests[] | select(.platform) | "\(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end) \(.digest)"' <<<"$index"
else
  echo "$PLATFORMS $digest"
fi
