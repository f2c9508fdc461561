# expect: ONBUILD COPY: triggers run unchecked in downstream builds
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
ONBUILD COPY --from=busybox:latest /bin/sh /bin/sh
USER 65532:65532
HEALTHCHECK CMD ["/app", "healthcheck"]
