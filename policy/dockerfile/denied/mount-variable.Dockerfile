# expect: --mount takes no variables or quotes
# BuildKit expands the variable: the cache mount is a bind mount.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
ARG MOUNT_TYPE=bind
COPY . ./
RUN --mount=type=$MOUNT_TYPE,target=/mnt go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
