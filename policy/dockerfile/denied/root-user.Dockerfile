# expect: USER root: use a numeric uid:gid
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
USER root
HEALTHCHECK CMD ["./app", "healthcheck"]
