# expect: LABEL deploy.apiKey: secrets in LABEL stay in the image
FROM alpine:3.22@sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052
LABEL org.opencontainers.image.title="app" deploy.apiKey="abc123"
USER 65532:65532
HEALTHCHECK CMD ["/app", "healthcheck"]
