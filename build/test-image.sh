#!/usr/bin/env bash
# Builds the real Dockerfile with BuildKit (stand-in base images, since no
# registry is reachable) and checks the image as users run it: hardened,
# as uid 65532, static, serving REST and gRPC on one port, healthy,
# stopping cleanly. Measures a cold build, a
# warm rebuild after a one-line source change, and the sizes.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
: "${IMAGE:=product-catalog:test}"
out=${OUT:-$repo/.out}
mkdir -p "$out"

build/docker/ensure-docker.sh
eval "$(build/docker/standin-images.sh)"
: "${GO_IMAGE:?standin-images.sh named no builder image}" "${RUNTIME_IMAGE:?standin-images.sh named no runtime image}"

fail() { echo "test-image.sh: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }

# The build context is a copy, so the one-line change never touches the work tree.
context=$(mktemp -d)
cid=""
replaced=() # images that $IMAGE named before a build here moved the tag
cleanup() {
  [[ -n $cid ]] && docker rm -f "$cid" >/dev/null 2>&1
  # Each build moves the tag and leaves the image it named before dangling;
  # remove those (by id, without force: one that something else still
  # names stays).
  local id current
  current=$(docker images -q "$IMAGE" 2>/dev/null)
  for id in "${replaced[@]}"; do
    [[ -z $id || $id == "$current" ]] || docker rmi "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$context"
}
trap cleanup EXIT
cp -r Dockerfile .dockerignore go.mod go.sum main.go service products "$context/"
# The cold build must not reuse, nor wipe, the build cache of anything else on
# this machine (no global prune): the context's copy of the Dockerfile gives
# its two cache mounts ids of this run's own, and --no-cache skips the layer
# cache. The warm rebuild reuses exactly what the cold build made. BuildKit's
# own garbage collection reclaims these records later.
run_id=product-catalog-test-$(date +%s)-$$
sed -i -e "s|--mount=type=cache,target=/go/pkg/mod|--mount=type=cache,id=$run_id-mod,target=/go/pkg/mod|" \
  -e "s|--mount=type=cache,target=/root/.cache/go-build|--mount=type=cache,id=$run_id-build,target=/root/.cache/go-build|" \
  "$context/Dockerfile"
[[ $(grep -c "id=$run_id-" "$context/Dockerfile") == 4 ]] ||
  fail "the Dockerfile's cache mounts are not the four this script renames (go mod download and go build, /go/pkg/mod and /root/.cache/go-build)"

build() {
  replaced+=("$(docker images -q "$IMAGE")")
  docker buildx build --load --progress=plain "$@" \
    --build-arg GO_IMAGE="$GO_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
    --build-arg VERSION=test --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    -t "$IMAGE" "$context"
}

echo "test-image.sh: cold build (no layer cache, cache mounts of this run's own)"
start=$(now); build --no-cache >"$out/build-cold.log" 2>&1 || { tail -30 "$out/build-cold.log"; fail "cold build"; }
cold=$(echo "$(now) - $start" | bc)

echo "test-image.sh: warm rebuild after a one-line change to service/httpapi/handlers.go"
echo "// a one-line change" >>"$context/service/httpapi/handlers.go"
start=$(now); build >"$out/build-warm.log" 2>&1 || { tail -30 "$out/build-warm.log"; fail "warm build"; }
warm=$(echo "$(now) - $start" | bc)
# The module download step must come from the layer cache after a source-only change.
grep -A1 -E '^#[0-9]+ \[build [0-9]+/[0-9]+\] RUN .*go mod download' "$out/build-warm.log" | grep CACHED >/dev/null ||
  fail "go mod download was not served from the cache after a source-only change (see $out/build-warm.log)"

image_size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
cid=$(docker create "$IMAGE")
docker cp "$cid:/usr/src/app/product-catalog" "$out/product-catalog.image"
docker rm "$cid" >/dev/null; cid=""
binary_size=$(stat -c %s "$out/product-catalog.image")
# grep reads all of its input (no -q): an early exit would SIGPIPE the writer, and
# pipefail would turn a match into a failure that these tests read as "not found".
if readelf -lW "$out/product-catalog.image" | grep 'program interpreter' >/dev/null; then
  fail "the binary is dynamically linked"
fi
readelf -SW "$out/product-catalog.image" | grep '\.dynamic' >/dev/null && fail "the binary has a .dynamic section"

echo "test-image.sh: running it with --read-only --cap-drop ALL --security-opt no-new-privileges"
cid=$(docker run -d --read-only --cap-drop ALL --security-opt no-new-privileges \
  --health-interval 1s --health-start-period 1s -p 127.0.0.1::8088 "$IMAGE")
port=$(docker port "$cid" 8088/tcp | head -n1 | sed 's/.*://')
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
want_total=$(cat products/*.json | grep -c '"id":')
got_total=$(curl -fsS "http://127.0.0.1:$port/products" | grep -o '"total":[0-9]*' | cut -d: -f2)
[[ $got_total == "$want_total" ]] || fail "GET /products total = $got_total, want the repository's $want_total"
curl -fsS "http://127.0.0.1:$port/products/BRW-0001" | grep '"id":"BRW-0001"' >/dev/null || fail "GET /products/BRW-0001"
# gRPC on the same port, through grpcurl and the server's reflection.
build/tools/install.sh grpcurl >&2
grpc() { build/.bin/grpcurl -plaintext "$@"; }
echo "test-image.sh: gRPC on port 8088: ListProducts, GetProduct, NOT_FOUND, health"
got_total=$(grpc "127.0.0.1:$port" oteldemo.ProductCatalogService/ListProducts | grep -c '"id":') || true
[[ $got_total == "$want_total" ]] || fail "gRPC ListProducts gave $got_total products, want the repository's $want_total"
grpc -d '{"id": "BRW-0001"}' "127.0.0.1:$port" oteldemo.ProductCatalogService/GetProduct | grep '"id": "BRW-0001"' >/dev/null ||
  fail "gRPC GetProduct BRW-0001"
out_notfound=$(grpc -d '{"id": "NOPE"}' "127.0.0.1:$port" oteldemo.ProductCatalogService/GetProduct 2>&1) && fail "gRPC GetProduct NOPE succeeded"
grep 'Code: NotFound' <<<"$out_notfound" >/dev/null || fail "gRPC GetProduct NOPE: $out_notfound, want NotFound"
grpc "127.0.0.1:$port" grpc.health.v1.Health/Check | grep '"status": "SERVING"' >/dev/null || fail "gRPC health is not SERVING"
echo "test-image.sh: the OpenTelemetry demo's health check: /bin/grpc_health_probe -addr=:8088"
docker exec "$cid" /bin/grpc_health_probe -addr=:8088 | grep 'status: SERVING' >/dev/null ||
  fail "/bin/grpc_health_probe -addr=:8088 in the container did not report SERVING"

[[ $(docker inspect -f '{{.Config.User}}' "$cid") == 65532:65532 ]] || fail "image user is not 65532:65532"
pid=$(docker inspect -f '{{.State.Pid}}' "$cid")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[[ $uid == 65532 ]] || fail "the process runs as uid $uid, want 65532"
docker logs "$cid" 2>&1 | grep '"source":"directory products"' >/dev/null || fail "the image does not serve its products/ directory"

health=""
for _ in $(seq 30); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$cid")
  [[ $health == healthy ]] && break
  sleep 0.5
done
[[ $health == healthy ]] || fail "Docker reports the container $health, want healthy"

start=$(now); docker stop -t 10 "$cid" >/dev/null
stop_seconds=$(echo "$(now) - $start" | bc)
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$cid")
[[ $exit_code == 0 ]] || fail "exit code after docker stop = $exit_code, want 0"
(( $(echo "$stop_seconds < 5" | bc) )) || fail "docker stop took ${stop_seconds}s, want well inside the 10s timeout"

ratio=$(echo "scale=3; $warm / $cold" | bc)
{
  printf 'cold build            %6.1f s\n' "$cold"
  printf 'warm rebuild          %6.1f s  (one-line change)\n' "$warm"
  printf 'warm / cold           %6.3f     (target <= 0.10)\n' "$ratio"
  printf 'image size            %6.1f MB (stand-in busybox runtime)\n' "$(echo "$image_size / 1000000" | bc -l)"
  printf 'binary size           %6.1f MB\n' "$(echo "$binary_size / 1000000" | bc -l)"
  printf 'docker stop           %6.2f s  (exit code 0)\n' "$stop_seconds"
} | tee "$out/image-figures.txt"
(( $(echo "$ratio <= 0.10" | bc) )) || fail "warm rebuild is $ratio of the cold build, want <= 0.10"
echo "test-image.sh: PASS"
