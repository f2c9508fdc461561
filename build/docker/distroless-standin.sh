#!/usr/bin/env bash
# Pushes a stand-in for gcr.io/distroless/static:nonroot to REGISTRY, as a
# linux/amd64 + linux/arm64 index (ko builds both platforms and needs a
# multi-platform base): /etc/passwd and /etc/group with nonroot (65532),
# /home/nonroot, /tmp (1777), the CA bundle, user 65532:65532, no shell.
# Prints KO_DEFAULTBASEIMAGE=<REGISTRY>/distroless-static-standin@sha256:...
set -euo pipefail
: "${REGISTRY:?set REGISTRY, e.g. 127.0.0.1:5000 (build/docker/registry.sh)}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
crane=$repo/build/.bin/crane
name=$REGISTRY/distroless-static-standin
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -f $ca_bundle ]] || { echo "distroless-standin.sh: no CA bundle at $ca_bundle" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/etc/ssl/certs" "$root/home/nonroot" "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$root/tmp"
# Fixed owners and times: the same layer, and so the same digest, every run.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/layer.tar" .

manifests=()
for arch in amd64 arm64; do
  echo "distroless-standin.sh: pushing $name:nonroot-$arch" >&2
  "$crane" append --oci-empty-base -f "$work/layer.tar" -t "$name:nonroot-$arch" 2>/dev/null >/dev/null
  manifests+=(-m "$("$crane" mutate --set-platform "linux/$arch" --user 65532:65532 -t "$name:nonroot-$arch" "$name:nonroot-$arch" 2>/dev/null)")
done
"$crane" index append "${manifests[@]}" -t "$name:nonroot" >/dev/null 2>&1
echo "KO_DEFAULTBASEIMAGE=$name@$("$crane" digest "$name:nonroot")"
