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
bin=$(cd "$here/.." && pwd)/.bin
cache=${PRODUCT_CATALOG_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog-tools}
policy_controller_version=v0.13.1
mkdir -p "$bin" "$cache"

# module_of TOOL prints the tools module that builds TOOL.
module_of() {
  case "$1" in
    actionlint) echo "$here/actionlint" ;;
    buildx) echo "$here/buildx" ;;
    policy-tester) echo "policy-controller" ;;
    crane | ko | cosign | syft | conftest | govulncheck | staticcheck | benchstat) echo "$here" ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

install_module() {
  local mod=$1 key dir
  key=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-16)
  dir="$cache/$(basename "$mod")-$key"
  if [[ ! -f $dir/.complete ]]; then
    echo "install.sh: building the tools of build/tools/$(basename "$mod") (minutes on a cold Go cache)" >&2
    (cd "$mod" && GOBIN="$dir" GOFLAGS=-mod=readonly go install tool)
    touch "$dir/.complete"
  fi
  for tool in "$dir"/*; do
    ln -sf "$tool" "$bin/$(basename "$tool")"
  done
}

install_policy_tester() {
  local dir="$cache/policy-tester-$policy_controller_version" src
  if [[ ! -x $dir/policy-tester ]]; then
    echo "install.sh: building the policy-controller tester $policy_controller_version" >&2
    src=$(go mod download -json "github.com/sigstore/policy-controller@$policy_controller_version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    : "${src:?go mod download printed no Dir for policy-controller}"
    mkdir -p "$dir"
    (cd "$src" && GOFLAGS=-mod=mod go build -o "$dir/policy-tester" ./cmd/tester)
  fi
  ln -sf "$dir/policy-tester" "$bin/policy-tester"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 || ${tools[0]} == all ]]; then
  tools=(crane actionlint buildx policy-tester)
fi
done_modules=" "
for tool in "${tools[@]}"; do
  mod=$(module_of "$tool")
  [[ $done_modules == *" $mod "* ]] && continue
  done_modules+="$mod "
  if [[ $mod == policy-controller ]]; then
    install_policy_tester
  else
    install_module "$mod"
  fi
done
