# expect: COPY --from=alpine:3.22 (stage 0): image "alpine:3.22" is not pinned by digest
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
COPY --from=alpine:3.22 /bin/busybox /bin/busybox
USER 65532:65532
HEALTHCHECK CMD ["/app", "healthcheck"]
