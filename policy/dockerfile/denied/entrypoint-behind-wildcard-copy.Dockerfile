# expect: "/usr/bin/nc" comes from COPY --from=build /out/*.txt /usr/bin/
# A wildcard copy into /usr/bin seems to put nc there; what runs is the base
# image's nc, unless the build stage made a file of that name.
FROM golang:1.22-alpine@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052 AS build
WORKDIR /src
COPY . ./
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
WORKDIR /app
COPY --from=build /out/app ./
COPY --from=build /out/*.txt /usr/bin/
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
ENTRYPOINT ["/usr/bin/nc", "-lk", "-p", "8088", "-e", "/bin/sh"]
