#!/usr/bin/env bash
# make test-reproducible: the Dockerfile image is reproducible, bit for bit.
#
#   1. imagediff's own tests (build/tools/imagediff).
#   2. A throw-away registry on 127.0.0.1 (build/docker/registry.sh) gets the
#      stand-in bases (build/docker/standin-images.sh), so that the build
#      names them by digest: the builder, and the runtime as a linux/amd64 +
#      linux/arm64 index (the arm64 entry is the same busybox layer labelled
#      arm64: the runtime stage runs nothing, so nothing is emulated).
#   3. Build A: build/reproducible/build.sh for linux/amd64,linux/arm64 in a
#      fresh buildkitd (build/docker/buildkitd.sh: empty root, so empty
#      layer cache and empty RUN cache mounts), from a copy of the sources.
#      Then, in the same daemon, the control: the same build, its layers
#      from that daemon's cache, exported without rewrite-timestamp.
#   4. Build B: the same in another fresh buildkitd, from a second copy of
#      the sources as another checkout would have them: group-writable
#      (umask 002), owned by 1000:1000, other mtimes.
#   5. A and B must have the same index digest and the same digest for each
#      platform; on a mismatch imagediff says which layer and which file
#      differ. The control must differ from A, and imagediff must name the
#      files whose times differ, so the check cannot pass by comparing
#      nothing.
#      Each platform's image must start with its base's layers, unchanged
#      (rewrite-timestamp leaves base layers alone: moby/buildkit#4805).
# Figures (both builds' digests, the times) go to .out/reproducible/.
# Needs root (rootful buildkitd; Docker for the stand-ins).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
out=${OUT:-$repo/.out}/reproducible
say() { echo "test-reproducible: $*" >&2; }
die() { echo "test-reproducible: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
started=$(now)
rm -rf "$out"
mkdir -p "$out"

say "imagediff's tests"
(cd build/tools && go test -race -count=1 ./imagediff/) >&2
build/tools/install.sh crane imagediff buildkitd buildctl >&2
export PATH="$repo/build/.bin:$PATH"
build/docker/ensure-docker.sh >&2

# shellcheck source=../docker/buildkitd.sh
source build/docker/buildkitd.sh
work=$(mktemp -d)
tags=()
cleanup() {
  local status=$?
  buildkitd_stop "$status"
  ((${#tags[@]} == 0)) || docker rmi "${tags[@]}" >/dev/null 2>&1 || true
  [[ -z ${REGISTRY_PID:-} ]] || kill "$REGISTRY_PID" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

eval "$(build/docker/registry.sh)"
: "${REGISTRY:?registry.sh named no registry}"
export REGISTRY
eval "$(build/docker/standin-images.sh)"
: "${GO_IMAGE:?standin-images.sh named no builder image}" "${RUNTIME_IMAGE:?standin-images.sh named no runtime image}"
release_go=$(build/release-go.sh)

# The bases, pushed so the build names them by digest as the release does.
builder=$REGISTRY/reproducible/golang-standin:$release_go
runtime=$REGISTRY/reproducible/alpine-standin
docker tag "$GO_IMAGE" "$builder"
docker tag "$RUNTIME_IMAGE" "$runtime:3.22-amd64"
tags+=("$builder" "$runtime:3.22-amd64")
docker push -q "$builder" >/dev/null
docker push -q "$runtime:3.22-amd64" >/dev/null
amd64=$(crane digest "$runtime:3.22-amd64")
arm64=$(crane mutate --set-platform linux/arm64 -t "$runtime:3.22-arm64" "$runtime@$amd64" 2>/dev/null)
crane index append -m "$runtime@$amd64" -m "$arm64" -t "$runtime:3.22" >/dev/null 2>&1
GO_IMAGE=$builder@$(crane digest "$builder")
RUNTIME_IMAGE=$runtime:3.22@$(crane digest "$runtime:3.22")
export GO_IMAGE RUNTIME_IMAGE
say "bases: GO_IMAGE=$GO_IMAGE RUNTIME_IMAGE=$RUNTIME_IMAGE"

# Two copies of what the build reads, as two checkouts of the commit would
# hold them. B differs in all that must not matter: modes, owners, mtimes.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
REVISION=$(git rev-parse HEAD)
export SOURCE_DATE_EPOCH REVISION VERSION=test-reproducible INSECURE=1 PLATFORMS=linux/amd64,linux/arm64
mkdir "$work/a"
cp -r Dockerfile .dockerignore go.mod go.sum main.go service products "$work/a/"
cp -r "$work/a" "$work/b"
chmod -R g+w "$work/b"
chown -R 1000:1000 "$work/b"
find "$work/b" -exec touch -h -d "@$(($(date +%s) + 3600))" {} +

# build NAME CONTEXT [ENV...]: builds into the registry; the digests go to
# $out/NAME.txt, the log to $out/NAME.log, the seconds to $out/NAME.seconds.
build() {
  local name=$1 context=$2 start
  shift 2
  say "build $name (context $context${*:+, $*})"
  start=$(now)
  if ! env CONTEXT="$context" OUTPUT="$REGISTRY/reproducible/product-catalog:$name" "$@" \
    build/reproducible/build.sh >"$out/$name.txt" 2>"$out/$name.log"; then
    tail -n 40 "$out/$name.log" >&2
    die "build $name failed (log: $out/$name.log)"
  fi
  since "$start" >"$out/$name.seconds"
  sed "s/^/test-reproducible:   $name: /" "$out/$name.txt" >&2
}
digest_of() { awk -v k="$2" '$1 == k {print $2}' "$out/$1.txt"; }

BUILDKITD_LOG=$out/buildkitd-a.log buildkitd_start
build a "$work/a"
build control "$work/a" REWRITE_TIMESTAMP=false NO_CACHE=0
buildkitd_stop
BUILDKITD_LOG=$out/buildkitd-b.log buildkitd_start
build b "$work/b"
buildkitd_stop

ref() { echo "$REGISTRY/reproducible/product-catalog@$(digest_of "$1" index)"; }
platforms=$(awk '$1 != "index" {print $1}' "$out/a.txt")
[[ $platforms == $'linux/amd64\nlinux/arm64' ]] || die "build a's index holds [$platforms], want linux/amd64 and linux/arm64 alone (no attestations)"

# A and B: the same, or imagediff says where not.
if ! diff "$out/a.txt" "$out/b.txt" >/dev/null; then
  imagediff "$(ref a)" "$(ref b)" >"$out/diff-a-b.txt" 2>&1 || true
  cat "$out/diff-a-b.txt" >&2
  die "two builds of the same commit from empty caches differ (above, and $out/diff-a-b.txt)"
fi
imagediff "$(ref a)" "$(ref b)" >"$out/diff-a-b.txt" || die "the digests are equal, but imagediff finds differences: $(cat "$out/diff-a-b.txt")"
say "ok: builds a and b are the same: index and each platform"

# The control must differ, and imagediff must name files.
if imagediff "$(ref a)" "$(ref control)" >"$out/diff-a-control.txt" 2>&1; then
  die "the control (no rewrite-timestamp) has the digest of build a: this check compares nothing"
fi
for file in usr/src/app/product-catalog usr/src/app/products/tea.json bin/grpc_health_probe; do
  grep -E "^  $file: .*mtime " "$out/diff-a-control.txt" >/dev/null ||
    { cat "$out/diff-a-control.txt" >&2; die "imagediff did not name $file's mtime in the control's diff"; }
done
say "ok: the control differs, and imagediff names where (excerpt; all of it in $out/diff-a-control.txt):"
grep -E '^(top|linux/amd64)|product-catalog:|products/' "$out/diff-a-control.txt" | head -n 14 | sed 's/^/test-reproducible:   /' >&2

# Each platform starts with its base's layers, byte for byte.
for platform in $platforms; do
  want=$(crane manifest --platform "$platform" "$RUNTIME_IMAGE" | jq -c '[.layers[].digest]')
  got=$(crane manifest "$REGISTRY/reproducible/product-catalog@$(digest_of a "$platform")" | jq -c --argjson n "$(jq length <<<"$want")" '[.layers[:$n][].digest]')
  [[ $got == "$want" ]] || die "$platform: the image's first layers are $got, not its base's $want: rewrite-timestamp rewrote base layers (moby/buildkit#4805)"
done
say "ok: each platform keeps its base's layers unchanged"

total=$(since "$started")
{
  echo "buildkit      $(go version -m build/.bin/buildkitd | awk '$1 == "mod" {print $3}')"
  echo "epoch         $SOURCE_DATE_EPOCH ($(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ), commit $REVISION)"
  for name in a b control; do
    while read -r what digest; do printf '%-8s %-12s %s\n' "$name" "$what" "$digest"; done <"$out/$name.txt"
  done
  printf 'build a       %6.1f s (empty cache)\n' "$(cat "$out/a.seconds")"
  printf 'build b       %6.1f s (empty cache: what reproducing adds)\n' "$(cat "$out/b.seconds")"
  printf 'control       %6.1f s (build a again from its daemon'"'"'s cache, not rewritten)\n' "$(cat "$out/control.seconds")"
  printf 'whole test    %6.1f s\n' "$total"
} | tee "$out/figures.txt" | sed 's/^/test-reproducible: /' >&2
say "PASS"
