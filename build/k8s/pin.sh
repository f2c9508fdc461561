#!/usr/bin/env bash
# Pins an overlay of deploy/ to an image by digest, in place: the release
# runs it on the digest it just signed, and the tests on the digests they
# built. Refuses anything but name@sha256:<64 hex>.
# usage: build/k8s/pin.sh DEPLOY_DIR OVERLAY NAME@sha256:DIGEST
set -euo pipefail
: "${1:?usage: pin.sh DEPLOY_DIR OVERLAY NAME@sha256:DIGEST}" "${2:?overlay: dockerfile or ko}" "${3:?image: NAME@sha256:DIGEST}"
deploy=$1 overlay=$2 image=$3
[[ $image =~ ^[a-z0-9][a-z0-9./:_-]*@sha256:[0-9a-f]{64}$ ]] || { echo "pin.sh: $image is not NAME@sha256:<64 hex>" >&2; exit 1; }
file=$deploy/overlays/$overlay/kustomization.yaml
[[ -f $file ]] || { echo "pin.sh: no $file" >&2; exit 1; }
echo "pin.sh: $file -> $image" >&2
sed -i -e "s#^\(\s*newName:\).*#\1 ${image%@*}#" -e "s#^\(\s*digest:\).*#\1 ${image#*@}#" "$file"
grep -q "digest: ${image#*@}" "$file" || { echo "pin.sh: $file has no digest line to set" >&2; exit 1; }
