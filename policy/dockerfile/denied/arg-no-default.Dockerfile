# expect: is not a global build arg with a default
ARG BASE
FROM ${BASE}
USER 65532:65532
HEALTHCHECK CMD ["./app", "healthcheck"]
