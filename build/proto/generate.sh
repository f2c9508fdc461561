#!/usr/bin/env bash
# Generates the gRPC code from service/grpcapi/oteldemo/*.proto with
# Debian's protoc and the generators pinned in build/tools/protoc-gen.
# The generated files are committed; with --check it generates into a
# scratch directory and fails when the committed ones differ (stale).
# usage: build/proto/generate.sh [--check]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
build/tools/apt-install.sh protobuf-compiler
build/tools/install.sh protoc-gen-go protoc-gen-go-grpc >&2
proto_dir=service/grpcapi/oteldemo
out=$repo
if [[ ${1:-} == --check ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
echo "generate.sh: $(protoc --version), protoc-gen-go and protoc-gen-go-grpc from build/tools/protoc-gen"
# Run from service/grpcapi, so the file is oteldemo/product_catalog.proto:
# the name reflection gives it.
(cd service/grpcapi && PATH="$repo/build/.bin:$PATH" protoc --proto_path=. \
  --go_out="$out" --go_opt=module=github.com/product-catalog/product-catalog \
  --go-grpc_out="$out" --go-grpc_opt=module=github.com/product-catalog/product-catalog \
  oteldemo/*.proto)
if [[ ${1:-} == --check ]]; then
  for generated in "$out/$proto_dir"/*.go; do
    committed=$proto_dir/$(basename "$generated")
    if ! diff -u "$committed" "$generated"; then
      echo "generate.sh: $committed is stale: run build/proto/generate.sh and commit the result" >&2
      exit 1
    fi
  done
  echo "generate.sh: the generated code is current"
fi
