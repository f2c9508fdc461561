#!/usr/bin/env bash
# Builds the pinned tools and links them into build/.bin.
#
# Each tool module here pins its tools with go.mod/go.sum; tools whose
# dependencies clash live in a module of their own. Builds are kept in a
# cache keyed by the module's go.mod and go.sum, so a rerun costs nothing and
# a version bump rebuilds only that module. The sigstore policy-controller
# tester and webhook cannot be `go install`ed (its go.mod has replace
# directives), so they are built inside its downloaded, checksum-verified
# module.
#
# usage: build/tools/install.sh [all | TOOL...]   (TOOL kubernetes: the
# cluster's five binaries, not part of all; kubectl: that one alone;
# policy-webhook: the admission webhook of make test-k8s, not part of all;
# kind and helm: the hosted workflow's cluster, not part of all)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$repo/build/.bin
cache=${PRODUCT_CATALOG_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog-tools}
policy_controller_version=v0.13.1
kubernetes_version=v1.31.14
mkdir -p "$bin" "$cache"

# package_of TOOL prints "MODULE_DIR PACKAGE" for TOOL.
package_of() {
  case "$1" in
    crane) echo "$here github.com/google/go-containerregistry/cmd/crane" ;;
    ko) echo "$here github.com/google/ko" ;;
    cosign) echo "$here github.com/sigstore/cosign/v3/cmd/cosign" ;;
    syft) echo "$here github.com/anchore/syft/cmd/syft" ;;
    conftest) echo "$here github.com/open-policy-agent/conftest" ;;
    govulncheck) echo "$here/vuln golang.org/x/vuln/cmd/govulncheck" ;;
    indexdb) echo "$here/vuln golang.org/x/vulndb/cmd/indexdb" ;;
    staticcheck) echo "$here honnef.co/go/tools/cmd/staticcheck" ;;
    benchstat) echo "$here golang.org/x/perf/cmd/benchstat" ;;
    sbomcheck) echo "$here github.com/product-catalog/product-catalog/build/tools/sbomcheck" ;;
    imagediff) echo "$here github.com/product-catalog/product-catalog/build/tools/imagediff" ;;
    actionlint) echo "$here/actionlint github.com/rhysd/actionlint/cmd/actionlint" ;;
    buildx) echo "$here/buildx github.com/docker/buildx/cmd/buildx" ;;
    buildkitd) echo "$here/buildkit github.com/moby/buildkit/cmd/buildkitd" ;;
    buildctl) echo "$here/buildkit github.com/moby/buildkit/cmd/buildctl" ;;
    grpcurl) echo "$here/grpc github.com/fullstorydev/grpcurl/cmd/grpcurl" ;;
    imagepull) echo "$here/imagepull github.com/product-catalog/product-catalog/build/tools/imagepull" ;;
    ghz) echo "$here/grpc github.com/bojand/ghz/cmd/ghz" ;;
    kind) echo "$here/kind sigs.k8s.io/kind" ;;
    helm) echo "$here/kind helm.sh/helm/v3/cmd/helm" ;;
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
  key=$({ cat "$mod/go.mod" "$mod/go.sum"; cat "$mod/GOTOOLCHAIN" 2>/dev/null || true; } | sha256sum | cut -c1-16)
  dir="$cache/$(basename "$mod")-$key"
  if [[ ! -x $dir/$tool ]]; then
    echo "install.sh: building $tool, pinned in ${mod#"$repo/"}/go.mod (minutes on a cold Go cache)" >&2
    # containers/image builds without cgo only with its pure-Go OpenPGP
    # and without the graph drivers that need C libraries.
    local tags="" cgo=${CGO_ENABLED:-1}
    [[ $tool != imagepull ]] || tags=containers_image_openpgp,exclude_graphdriver_btrfs,exclude_graphdriver_devicemapper cgo=0
    # A module's toolchain line is a requirement (govulncheck must be built
    # with the Go whose standard library it reads), and Go installs set
    # GOTOOLCHAIN=local, which would ignore it: name it.
    local toolchain
    toolchain=$(cd "$mod" && go mod edit -json | jq -r '.Toolchain // "local"')
    # A GOTOOLCHAIN file names the exact Go a module must be built with where
    # go.mod cannot (it drops a toolchain line equal to its go line):
    # BuildKit's layer blobs depend on the Go that compresses them
    # (build/tools/buildkit/GOTOOLCHAIN).
    if [[ -f $mod/GOTOOLCHAIN ]]; then toolchain=$(<"$mod/GOTOOLCHAIN"); fi
    (cd "$mod" && GOBIN="$dir" GOTOOLCHAIN=$toolchain GOFLAGS=-mod=readonly CGO_ENABLED=$cgo go install -tags "$tags" "$pkg")
  fi
  ln -sf "$dir/$tool" "$bin/$tool"
}

# install_policy_controller TOOL: policy-tester (cmd/tester) or
# policy-webhook (cmd/webhook, the admission webhook make test-k8s runs as a
# process), both from the one pinned policy-controller module.
install_policy_controller() {
  local tool=$1 dir="$cache/policy-controller-$policy_controller_version" src cmd
  case "$tool" in
    policy-tester) cmd=./cmd/tester ;;
    policy-webhook) cmd=./cmd/webhook ;;
  esac
  if [[ ! -x $dir/$tool ]]; then
    echo "install.sh: building the policy-controller's $cmd $policy_controller_version" >&2
    src=$(go mod download -json "github.com/sigstore/policy-controller@$policy_controller_version" | jq -r '.Dir // empty')
    : "${src:?go mod download printed no Dir for policy-controller}"
    mkdir -p "$dir"
    (cd "$src" && GOFLAGS=-mod=mod go build -trimpath -o "$dir/$tool" "$cmd")
  fi
  ln -sf "$dir/$tool" "$bin/$tool"
}

# install_kubernetes builds the control plane and a node from
# k8s.io/kubernetes at kubernetes_version. Its go.mod points every k8s.io
# staging module at ./staging, which the module zip lacks, so it is built in
# a copy of the downloaded, checksum-verified module, with the go.mod and
# go.sum pinned in build/tools/kubernetes (the staging modules at their
# published versions: see its README).
# usage: install_kubernetes BINARY...
install_kubernetes() {
  local key dir src work binaries=("$@") b missing=()
  key=$(cat "$here/kubernetes/go.mod.patched" "$here/kubernetes/go.sum.patched" | sha256sum | cut -c1-16)
  dir="$cache/kubernetes-$kubernetes_version-$key"
  for b in "${binaries[@]}"; do [[ -x $dir/$b ]] || missing+=("$b"); done
  if ((${#missing[@]} > 0)); then
    echo "install.sh: building ${missing[*]} $kubernetes_version (all five: about 5 minutes on 2 idle cores with an empty Go build cache)" >&2
    src=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$kubernetes_version" | jq -r '.Dir // empty')
    : "${src:?go mod download printed no Dir for k8s.io/kubernetes}"
    work=$(mktemp -d)
    cp -r "$src/." "$work/"
    chmod -R u+w "$work"
    rm -rf "$work/vendor" "$work/go.work" "$work/go.work.sum"
    cp "$here/kubernetes/go.mod.patched" "$work/go.mod"
    cp "$here/kubernetes/go.sum.patched" "$work/go.sum"
    mkdir -p "$dir"
    (cd "$work" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kubernetes_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=31" \
      -o "$dir/" "${missing[@]/#/./cmd/}")
    rm -rf "$work"
  fi
  for b in "${binaries[@]}"; do ln -sf "$dir/$b" "$bin/$b"; done
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 || ${tools[0]} == all ]]; then
  tools=(crane ko cosign syft conftest govulncheck indexdb staticcheck benchstat sbomcheck imagediff actionlint buildx buildkitd buildctl protoc-gen-go protoc-gen-go-grpc grpcurl ghz imagepull policy-tester)
fi
for tool in "${tools[@]}"; do
  if [[ $tool == policy-tester || $tool == policy-webhook ]]; then
    install_policy_controller "$tool"
  elif [[ $tool == kubernetes ]]; then
    install_kubernetes kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet
  elif [[ $tool == kubectl ]]; then
    install_kubernetes kubectl
  else
    install_tool "$tool"
  fi
done
