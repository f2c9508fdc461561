#!/usr/bin/env bash
# Builds the pinned tools and links them into build/.bin.
#
# Each tool module here pins its tools with go.mod/go.sum; tools whose
# dependencies clash live in a module of their own. Builds are kept in a
# cache keyed by the module's go.mod and go.sum, so a rerun costs nothing and
# a version bump rebuilds only that module. The sigstore policy-controller
# tester cannot be `go install`ed (its go.mod has replace directives), so it
# is built inside its downloaded, checksum-verified module.
#
# usage: build/tools/install.sh [all | TOOL...]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$repo/build/.bin
cache=${PRODUCT_CATALOG_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog-tools}
policy_controller_version=v0.13.1
mkdir -p "$bin" "$cache"

# package_of TOOL prints "MODULE_DIR PACKAGE" for TOOL.
package_of() {
  case "$1" in
    crane) echo "$here github.com/google/go-containerregistry/cmd/crane" ;;
    ko) echo "$here github.com/google/ko" ;;
    cosign) echo "$here github.com/sigstore/cosign/v3/cmd/cosign" ;;
    syft) echo "$here github.com/anchore/syft/cmd/syft" ;;
    conftest) echo "$here github.com/open-policy-agent/conftest" ;;
    govulncheck) echo "$here golang.org/x/vuln/cmd/govulncheck" ;;
    staticcheck) echo "$here honnef.co/go/tools/cmd/staticcheck" ;;
    benchstat) echo "$here golang.org/x/perf/cmd/benchstat" ;;
    sbomcheck) echo "$here github.com/product-catalog/product-catalog/build/tools/sbomcheck" ;;
    actionlint) echo "$here/actionlint github.com/rhysd/actionlint/cmd/actionlint" ;;
    buildx) echo "$here/buildx github.com/docker/buildx/cmd/buildx" ;;
    grpcurl) echo "$here/grpc github.com/fullstorydev/grpcurl/cmd/grpcurl" ;;
    ghz) echo "$here/grpc github.com/bojand/ghz/cmd/ghz" ;;
    protoc-gen-go) echo "$here/protoc-gen google.golang.org/protobuf/cmd/protoc-gen-go" ;;
    protoc-gen-go-grpc) echo "$here/protoc-gen google.golang.org/grpc/cmd/protoc-gen-go-grpc" ;;
    *) echo "install.sh: unknown tool: $1" >&2; return 1 ;;
  esac
}

# install_tool TOOL builds TOOL at the version its module pins, once per
# version of that module.
install_tool() {
  local tool=$1 spec mod pkg key dir
  spec=$(package_of "$tool")
  mod=${spec% *} pkg=${spec#* }
  key=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
  dir="$cache/$(basename "$mod")-$key"
  if [[ ! -x $dir/$tool ]]; then
    echo "install.sh: building $tool, pinned in ${mod#"$repo/"}/go.mod (minutes on a cold Go cache)" >&2
    (cd "$mod" && GOBIN="$dir" GOFLAGS=-mod=readonly go install "$pkg")
  fi
  ln -sf "$dir/$tool" "$bin/$tool"
}

install_policy_tester() {
  local dir="$cache/policy-tester-$policy_controller_version" src
  if [[ ! -x $dir/policy-tester ]]; then
    echo "install.sh: building the policy-controller tester $policy_controller_version" >&2
    src=$(go mod download -json "github.com/sigstore/policy-controller@$policy_controller_version" | jq -r '.Dir // empty')
    : "${src:?go mod download printed no Dir for policy-controller}"
    mkdir -p "$dir"
    (cd "$src" && GOFLAGS=-mod=mod go build -o "$dir/policy-tester" ./cmd/tester)
  fi
  ln -sf "$dir/policy-tester" "$bin/policy-tester"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 || ${tools[0]} == all ]]; then
  tools=(crane ko cosign syft conftest govulncheck staticcheck benchstat sbomcheck actionlint buildx protoc-gen-go protoc-gen-go-grpc grpcurl ghz policy-tester)
fi
for tool in "${tools[@]}"; do
  if [[ $tool == policy-tester ]]; then
    install_policy_tester
  else
    install_tool "$tool"
  fi
done
