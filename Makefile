# product-catalog: every target is documented in README.md ("Make targets").
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# VERSION reaches shells, ldflags and image tags: a hostile tag name (one
# holding quotes, ";" or "$") must stop the build, not run. Checked by make
# itself, before any recipe sees it.
ifeq ($(strip $(VERSION)),)
$(error VERSION is empty)
endif
ifneq ($(shell printf '%s' '$(subst ','"'"',$(VERSION))' | grep -Ex '[0-9A-Za-z][0-9A-Za-z._+-]{0,127}'),$(VERSION))
$(error VERSION "$(VERSION)" is not a version: letters, digits, ".", "_", "+" and "-", up to 128, starting with a letter or digit)
endif
# Reproducible builds: no paths, no build id, the version stamped in.
LDFLAGS := -s -w -buildid= -X main.version=$(VERSION)
BIN := build/.bin
FUZZTIME ?= 5s

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: run
run: ## serve the repository's catalog on :8088
	go run -ldflags '$(LDFLAGS)' .

.PHONY: build
build: ## build ./product-catalog (static, reproducible, with the release Go)
	GOTOOLCHAIN=$$(build/release-go.sh) CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o product-catalog .

.PHONY: test
test: lint test-go test-contract test-vuln fuzz-short test-policy test-scripts test-image test-reproducible test-supply-chain test-k8s ## every check and test (what CI runs)

# The handler and end-to-end tests record their HTTP exchanges here, for
# test-contract to hold to openapi.json.
EXCHANGES := $(CURDIR)/.out/exchanges

.PHONY: test-go
test-go: ## unit, handler and end-to-end Go tests, with -race (recording HTTP exchanges), the machine-sized ones too (-tags machine)
	rm -rf '$(EXCHANGES)'
	CONTRACT_EXCHANGES_DIR='$(EXCHANGES)' go test -race -count=1 -tags machine ./...

.PHONY: test-contract
test-contract: test-go ## kin-openapi validates every recorded exchange against openapi.json; invalid requests are refused
	CONTRACT_EXCHANGES_DIR='$(EXCHANGES)' go test -race -count=1 -tags contract -run TestRecordedExchangesConform ./build/contract/

.PHONY: test-vuln
test-vuln: ## the vulnerability gate: govulncheck (source mode, the release Go) against the pinned Go vulnerability database, offline; then proof it refuses grpc v1.70.0
	build/vuln/check.sh
	build/vuln/bites.sh

.PHONY: fuzz-short
fuzz-short: ## each fuzz target for FUZZTIME (5s)
	FUZZTIME=$(FUZZTIME) build/fuzz.sh

.PHONY: fuzz
fuzz: ## each fuzz target for 2 minutes
	FUZZTIME=2m build/fuzz.sh

.PHONY: tools
tools: ## build the pinned tools into build/.bin
	build/tools/install.sh all

.PHONY: proto
proto: ## regenerate the gRPC code of service/grpcapi/oteldemo and service/flags/flagdpb from their .proto (protoc + pinned generators)
	build/proto/generate.sh

.PHONY: lint
lint: ## gofmt, go vet, every go.mod tidy, staticcheck, shellcheck, the Markdown links, the OpenAPI linter (Redocly CLI), generated gRPC code current
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [[ -n $$out ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags contract ./build/contract/
	go vet -tags machine .
	build/lint-modules.sh
	build/tools/install.sh staticcheck
	$(BIN)/staticcheck -tags machine ./...
	go run ./build/mdlinks $$(git ls-files '*.md')
	build/openapi-lint/lint.sh
	build/proto/generate.sh --check
	build/tools/apt-install.sh shellcheck
	shellcheck $$(git ls-files '*.sh' .ci/run)

.PHONY: test-scripts
test-scripts: ## the scripts with fake crane and cosign: verify.sh's reasons, sbom-audit.sh's symlinks, purls, hostile VERSION
	build/test-scripts.sh

.PHONY: test-k8s
test-k8s: ## deploy/ on a real Kubernetes built here: dry run, restricted PSS, pods of both images, ConfigMap reload, zero-loss rolling restart; then the policy-controller's webhook admitting and refusing (root)
	build/k8s/test.sh
	build/k8s/admission.sh

.PHONY: test-image
test-image: ## build the Dockerfile with BuildKit (stand-in bases) and test the image
	build/test-image.sh

.PHONY: test-reproducible
test-reproducible: ## build the Dockerfile twice (linux/amd64 + arm64, pinned BuildKit, empty caches): same digests, or imagediff names the file (root)
	build/reproducible/test.sh

IMAGE_NAME ?= product-catalog
.PHONY: image
image: ## docker buildx build with the real, digest-pinned base images
	docker buildx build --load --build-arg 'VERSION=$(VERSION)' \
	  --build-arg "REVISION=$$(git rev-parse HEAD)" -t '$(IMAGE_NAME):$(VERSION)' .

.PHONY: test-policy
test-policy: ## conftest: Dockerfile rules, attestation and admission policies, bad Dockerfiles denied; actionlint
	build/test-policy.sh

BENCH_COUNT ?= 6
.PHONY: bench
bench: bench-go bench-load ## Go benchmarks vs the baseline (benchstat), then the wrk load test vs the ceiling

.PHONY: bench-go
bench-go: ## Go benchmarks (repository + 1k/10k/100k catalogs), compared with build/bench/baseline.txt
	build/tools/install.sh benchstat >&2
	mkdir -p .out/bench
	go test -run '^$$' -bench . -benchmem -benchtime 500ms -count $(BENCH_COUNT) -timeout 30m ./service/catalog/ ./service/httpapi/ ./service/app/ ./service/metrics/ ./service/grpcapi/ | tee .out/bench/go.txt
	$(BIN)/benchstat build/bench/baseline.txt .out/bench/go.txt

.PHONY: bench-load
bench-load: ## wrk: GET /products/{id} and GET /products vs the ceiling, then search on 100k products
	build/bench/load.sh

.PHONY: bench-baseline
bench-baseline: ## make the last bench-go run the baseline that later runs are compared with
	cp .out/bench/go.txt build/bench/baseline.txt

# The supply chain: build/supply-chain/*.sh act on digests and refuse bare tags.
IMAGE ?=
SBOM ?=
.PHONY: ko-build
ko-build: ## ko build both platforms, push to KO_DOCKER_REPO; digest in .out/ko/image.txt
	@: "$${KO_DOCKER_REPO:?set KO_DOCKER_REPO, e.g. ghcr.io/you/product-catalog}"
	build/tools/install.sh ko crane >&2
	VERSION='$(VERSION)' build/supply-chain/ko-build.sh

.PHONY: sbom
sbom: ## SPDX 2.3 + CycloneDX SBOMs of IMAGE=repo@sha256:... into .out/images/<digest>/
	build/tools/install.sh syft crane sbomcheck >&2
	build/supply-chain/sbom.sh "$(IMAGE)"

.PHONY: sbom-audit
sbom-audit: ## IMAGE=... and/or SBOM=file: modules vs go version -m, license allowlist
	build/tools/install.sh syft crane sbomcheck >&2
	IMAGE="$(IMAGE)" SBOM="$(SBOM)" build/supply-chain/sbom-audit.sh

.PHONY: vulncheck
vulncheck: ## the vulnerability gate in binary mode on each platform of IMAGE=repo@sha256:... (GOVULNDB, default the pinned database)
	build/tools/install.sh govulncheck crane >&2
	build/supply-chain/vulncheck.sh "$(IMAGE)"

.PHONY: sign
sign: ## sign IMAGE=repo@sha256:... and attest SBOMs + provenance (COSIGN_KEY, else keyless)
	build/tools/install.sh cosign syft crane sbomcheck >&2
	build/supply-chain/sign.sh "$(IMAGE)"

.PHONY: verify
verify: ## verify IMAGE's signature + attestations vs policy/ (COSIGN_PUB, else keyless CI identity)
	build/tools/install.sh cosign conftest crane >&2
	build/supply-chain/verify.sh "$(IMAGE)"

.PHONY: test-supply-chain
test-supply-chain: ## local registry: ko + Dockerfile images, SBOMs, sign, verify, rejections, admission
	build/supply-chain/test.sh
