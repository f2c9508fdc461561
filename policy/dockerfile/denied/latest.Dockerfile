# expect: the :latest tag is not a version
FROM alpine:latest
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
