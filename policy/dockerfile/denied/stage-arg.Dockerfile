# expect: "${RUNTIME}" names no earlier stage and is not a global build arg with a default
# Only global ARGs (before the first FROM) feed a FROM line; this default
# is out of scope there, so the image is whatever --build-arg says, or nothing.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
ARG RUNTIME=alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
FROM ${RUNTIME}
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
