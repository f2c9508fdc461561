#!/usr/bin/env bash
# Pushes the stand-in base images (standin-images.sh) to the throw-away
# registry REGISTRY and prints GO_IMAGE=... RUNTIME_IMAGE=..., each named
# there by tag and digest, as the release names the real bases (so a
# provenance or an SBOM can pin them). For eval:
#   eval "$(REGISTRY=$REGISTRY build/docker/standin-bases.sh)"
# The registry tags it gives Docker's images are removed once pushed.
set -euo pipefail
: "${REGISTRY:?set REGISTRY to the throw-away registry (build/docker/registry.sh)}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$repo/build/tools/install.sh" crane >&2
eval "$("$repo/build/docker/standin-images.sh")"

# push IMAGE REF: the local IMAGE pushed as REF; prints REF@<digest>.
push() {
  echo "standin-bases.sh: pushing $1 as $2" >&2
  docker tag "$1" "$2"
  docker push -q "$2" >/dev/null
  docker rmi "$2" >/dev/null
  echo "$2@$("$repo/build/.bin/crane" digest "$2")"
}
builder_ref=$(push "$GO_IMAGE" "$REGISTRY/golang-standin:$("$repo/build/release-go.sh")")
runtime_ref=$(push "$RUNTIME_IMAGE" "$REGISTRY/alpine-standin:3.22")
echo "GO_IMAGE=$builder_ref RUNTIME_IMAGE=$runtime_ref"
