#!/usr/bin/env bash
# Generates the gRPC code of two packages with Debian's protoc and the
# generators pinned in build/tools/protoc-gen:
#   service/grpcapi/oteldemo: the service this binary serves;
#   service/flags/flagdpb: flagd's evaluation protocol, which it calls.
# The generated files are committed; with --check it generates into a
# scratch directory and fails when the committed ones differ (stale).
# usage: build/proto/generate.sh [--check]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# libprotobuf-dev holds google/protobuf/struct.proto, which flagd's
# protocol imports; protobuf-compiler only recommends it.
build/tools/apt-install.sh protobuf-compiler libprotobuf-dev
build/tools/install.sh protoc-gen-go protoc-gen-go-grpc >&2
module=github.com/product-catalog/product-catalog
out=$repo
if [[ ${1:-} == --check ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
echo "generate.sh: $(protoc --version), protoc-gen-go and protoc-gen-go-grpc from build/tools/protoc-gen"
export PATH="$repo/build/.bin:$PATH"
# Run from service/grpcapi, so the file is oteldemo/product_catalog.proto:
# the name reflection gives it.
(cd service/grpcapi && protoc --proto_path=. \
  --go_out="$out" --go_opt=module="$module" \
  --go-grpc_out="$out" --go-grpc_opt=module="$module" \
  oteldemo/*.proto)
# flagd's file is kept as upstream wrote it, go_package included, so the M
# options choose the Go package instead; the virtual proto_path gives it
# upstream's name, flagd/evaluation/v1/evaluation.proto, under which its
# descriptor is registered, as in flagd's own generated code.
flagd_proto=flagd/evaluation/v1/evaluation.proto
flagd_go="M$flagd_proto=$module/service/flags/flagdpb;flagdpb"
protoc --proto_path=flagd/evaluation/v1=service/flags/flagdpb \
  --go_out="$out" --go_opt=module="$module" --go_opt="$flagd_go" \
  --go-grpc_out="$out" --go-grpc_opt=module="$module" --go-grpc_opt="$flagd_go" \
  "$flagd_proto"
if [[ ${1:-} == --check ]]; then
  for proto_dir in service/grpcapi/oteldemo service/flags/flagdpb; do
    for generated in "$out/$proto_dir"/*.go; do
      committed=$proto_dir/$(basename "$generated")
      if ! diff -u "$committed" "$generated"; then
        echo "generate.sh: $committed is stale: run build/proto/generate.sh and commit the result" >&2
        exit 1
      fi
    done
  done
  echo "generate.sh: the generated code is current"
fi
