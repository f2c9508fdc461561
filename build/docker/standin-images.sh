#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's base images, for machines that
# cannot pull from a registry (this project's CI, air-gapped builders):
#   builder: a static busybox, the release Go (build/release-go.sh) from the
#            Go module proxy at /usr/local/go, CA certificates, GOPATH=/go,
#            GOTOOLCHAIN=local; what the build stage uses of golang:*-alpine.
#   runtime: the static busybox with /etc/passwd and /etc/group holding
#            65532; what the runtime stage uses of alpine.
# Progress goes to stderr; stdout is only the build args' values, so
#   eval "$(build/docker/standin-images.sh)"
#   docker buildx build --build-arg GO_IMAGE=$GO_IMAGE --build-arg RUNTIME_IMAGE=$RUNTIME_IMAGE .
# An image already present is kept; delete it to rebuild.
set -euo pipefail
: "${GO_STANDIN_VERSION:=$("$(dirname "${BASH_SOURCE[0]}")/../release-go.sh" | sed 's/^go//')}"
: "${BUILDER:=product-catalog.local/golang:${GO_STANDIN_VERSION}-standin}"
: "${RUNTIME:=product-catalog.local/alpine:standin}"

busybox=$(command -v busybox) || { echo "standin-images.sh: needs a static busybox (Debian: busybox-static)" >&2; exit 1; }
if ! file -L "$busybox" | grep 'statically linked' >/dev/null; then
  echo "standin-images.sh: $busybox is not statically linked (install busybox-static)" >&2
  exit 1
fi
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -f $ca_bundle ]] || { echo "standin-images.sh: no CA bundle at $ca_bundle" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# base_rootfs DIR lays out the busybox root filesystem both images share.
base_rootfs() {
  local root=$1
  mkdir -p "$root"/{bin,etc/ssl/certs,tmp,root,home/nonroot,usr/local}
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
}

if docker image inspect "$RUNTIME" >/dev/null 2>&1; then
  echo "standin-images.sh: $RUNTIME present" >&2
else
  echo "standin-images.sh: building $RUNTIME" >&2
  base_rootfs "$work/runtime"
  tar -C "$work/runtime" -c . | docker import \
    -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$RUNTIME" >/dev/null
fi

if docker image inspect "$BUILDER" >/dev/null 2>&1; then
  echo "standin-images.sh: $BUILDER present" >&2
else
  echo "standin-images.sh: building $BUILDER (Go $GO_STANDIN_VERSION from the Go module proxy)" >&2
  GOTOOLCHAIN="go$GO_STANDIN_VERSION" go version >/dev/null
  goroot=$(GOTOOLCHAIN="go$GO_STANDIN_VERSION" go env GOROOT)
  [[ -x $goroot/bin/go ]] || { echo "standin-images.sh: no toolchain at $goroot" >&2; exit 1; }
  base_rootfs "$work/builder"
  cp -a "$goroot" "$work/builder/usr/local/go"
  chmod -R u+w "$work/builder/usr/local/go"
  tar -C "$work/builder" -c . | docker import \
    -c 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV GOPATH=/go' -c 'ENV GOTOOLCHAIN=local' -c 'ENV HOME=/root' \
    - "$BUILDER" >/dev/null
fi
printf 'GO_IMAGE=%q RUNTIME_IMAGE=%q\n' "$BUILDER" "$RUNTIME"
