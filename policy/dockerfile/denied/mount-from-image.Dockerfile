# expect: "from" is not an allowed --mount key
# A bind mount from an image runs its files in the build, unpinned.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
RUN --mount=type=bind,from=busybox:1.36,source=/bin,target=/tools /tools/true
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
