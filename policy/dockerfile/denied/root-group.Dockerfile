# expect: USER 65532:0: the final stage runs in the root group
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
USER 65532:0
HEALTHCHECK CMD ["/app", "healthcheck"]
