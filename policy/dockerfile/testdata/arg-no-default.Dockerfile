# expect: has no default
ARG BASE
FROM ${BASE}
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
