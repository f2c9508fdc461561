# expect: RUN --security=insecure (stage "build"): not an allowed flag on RUN
# An insecure step runs without the build sandbox, with the builder's privileges.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --security=insecure go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
