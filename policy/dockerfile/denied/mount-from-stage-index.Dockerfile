# expect: "from" is not an allowed --mount key
# BuildKit looks a mount's from up by stage name only, so from=0 is the image
# docker.io/library/0, pulled unpinned.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
RUN --mount=type=bind,from=0,source=/,target=/mnt true
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
