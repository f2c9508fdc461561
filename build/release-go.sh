#!/usr/bin/env bash
# Prints the Go that builds what ships (e.g. go1.27.3): the GOTOOLCHAIN the
# Dockerfile's build stage sets. The stand-in builder, ko builds and the
# vulnerability gate all take it from here, so the images and the gate
# cannot disagree about which Go they mean.
set -euo pipefail
dockerfile=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Dockerfile
go=$(sed -n 's/^ENV GOTOOLCHAIN=\(go1\.[0-9][0-9]*\.[0-9][0-9]*\)$/\1/p' "$dockerfile")
[[ $(wc -w <<<"$go") -eq 1 ]] || { echo "release-go.sh: want one 'ENV GOTOOLCHAIN=go1.N.P' line in $dockerfile, found: ${go:-none}" >&2; exit 1; }
echo "$go"
