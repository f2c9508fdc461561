# expect: RUN <<EOF (stage "build"): a here-document's body is hidden from this policy
# The parser this policy reads leaves out a here-document's body.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
RUN <<EOF
chmod u+s /out/app
EOF
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
