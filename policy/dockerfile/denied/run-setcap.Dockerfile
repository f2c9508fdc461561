# expect: RUN setcap (stage "build"): file capabilities
# A capability on the file gives it privileges whoever runs it.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
RUN setcap cap_setuid+ep /out/app
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["./app"]
