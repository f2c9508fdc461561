# expect: RUN chmod u+s (stage "build"): sets a setuid, setgid or sticky bit
# COPY --from keeps the mode: the binary runs as root whoever starts it.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app . && chmod u+s /out/app
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
