# expect: FROM build (stage 0): image "build" is not pinned by digest
# A stage name binds only from its own FROM on: this "build" is an image.
FROM build AS base
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
COPY --from=base /app /app
USER 65532:65532
HEALTHCHECK CMD ["/app", "healthcheck"]
