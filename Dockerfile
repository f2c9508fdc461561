# product-catalog image: a static Go binary on a small runtime, as a numeric
# non-root user.
#
# No "# syntax=" line: it would make BuildKit pull an unpinned frontend
# image. Everything here (RUN --mount, ARG before FROM) is supported by the
# frontend built into BuildKit.
#
# Base images are build args so air-gapped builders can pass their own
# (build/docker/standin-images.sh makes local stand-ins). The defaults are
# the real images, pinned by tag and digest; Renovate keeps both current.
# Digests: published digests seen pinned in public Dockerfiles.
#
# The Go that ships is go1.27.3 (SECURITY.md, "The Go that ships"): the
# newest patch with no known standard-library vulnerability. The builder
# image is the newest 1.27 whose published digest we could confirm, 1.27.2,
# and GOTOOLCHAIN below makes it compile with go1.27.3, which the go command
# fetches from the Go module proxy and checks against the checksum database
# like any module (cached in the module cache mount). Once GO_IMAGE is a
# 1.27.3 or later image, that line costs nothing. The seed built with Go
# 1.22, past upstream support since early 2025, which held grpc and x/net on
# versions with known, reachable vulnerabilities.
#
# Reproducible: built by build/reproducible/build.sh (BuildKit v0.33.1 with
# an empty cache, SOURCE_DATE_EPOCH from the commit, the exporter's
# rewrite-timestamp=true, no attestations), the same commit gives the same
# image, bit for bit, wherever it is built; make test-reproducible proves it
# (docs/images.md). This file's part: modes set here, not taken from the
# checkout (whose umask may differ); owners 0:0 (COPY without --chown, files
# made by root); a static binary with no paths or build id in it; nothing
# fetched that is not checked (modules against go.sum, the toolchain against
# the Go checksum database). Plain `docker buildx build .` still works,
# reproducible or not.
ARG GO_IMAGE=golang:1.27.2-alpine@sha256:85dc1069ac644ea3c527b177303a406eb3358192816cd7f9e5848eb658851673
ARG RUNTIME_IMAGE=alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce

# The compiler runs on the build machine's platform and cross-compiles, so
# a multi-platform build never emulates it.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
# The release Go, whatever the builder image's own (build/release-go.sh
# reads this line; a test holds the workflow and tools to it).
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /usr/src/app/

# Modules first: this layer and its cache stay valid until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go mod download

COPY main.go ./
COPY service/ ./service/
COPY products/ ./products/
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -buildid= -X main.version=${VERSION}" -o product-catalog .
RUN mkdir -p /out/bin && ln -s /usr/src/app/product-catalog /out/bin/grpc_health_probe

FROM ${RUNTIME_IMAGE}
# Redeclared so the label below can name the base this image was built on:
# the SBOM records it (build/supply-chain/sbom.sh).
ARG RUNTIME_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/product-catalog/product-catalog
LABEL org.opencontainers.image.title="product-catalog" \
      org.opencontainers.image.description="Serves a product catalog over REST and gRPC on one port" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
WORKDIR /usr/src/app/
# The catalog files by name, their mode fixed: a checkout's modes follow its
# umask (0644 or 0664), and would otherwise reach the layer. The directory
# COPY makes for them is 0755 whatever the checkout's is.
COPY --chmod=0644 products/*.json ./products/
COPY --from=build /usr/src/app/product-catalog ./
# The OpenTelemetry demo's compose file checks its product catalog with
# /bin/grpc_health_probe -addr=:PORT: that path is a link to the binary,
# which acts as the probe when run under that name.
COPY --from=build /out/bin/ /bin/
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 65532:65532
ENV PRODUCT_CATALOG_PORT=8088
EXPOSE 8088
# Exec form, served by the binary: works with no shell in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["./product-catalog", "healthcheck"]
ENTRYPOINT ["./product-catalog"]
