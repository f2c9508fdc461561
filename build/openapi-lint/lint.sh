#!/usr/bin/env bash
# Lints openapi.json with Redocly CLI at the version package-lock.json pins
# (installed with npm ci, scripts off, once per lockfile).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
document="${1:-$here/../../service/httpapi/openapi.json}"
cd "$here"
if ! cmp -s package-lock.json node_modules/.installed-from 2>/dev/null; then
  echo "openapi-lint: npm ci (package-lock.json changed or not installed)"
  npm ci --ignore-scripts --no-audit --no-fund
  cp package-lock.json node_modules/.installed-from
fi
echo "openapi-lint: redocly lint $document"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_NOTIFICATIONS=true \
  node_modules/.bin/redocly lint --config redocly.yaml "$document"
