# expect: USER 4294967296:4294967296 (stage 1, final): ids above 2147483647 become root
# Not 0, so runAsNonRoot passes it; containerd before 1.7.27 (CVE-2024-40635)
# wraps it to 0 and runs the container as root.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 4294967296:4294967296
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
