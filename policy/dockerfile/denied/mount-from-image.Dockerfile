# expect: image "busybox:1.36" is not pinned by digest
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
RUN --mount=type=bind,from=busybox:1.36,source=/bin,target=/tools /tools/true
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
USER 65532:65532
HEALTHCHECK CMD ["/app", "healthcheck"]
