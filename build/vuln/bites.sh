#!/usr/bin/env bash
# Proof that the vulnerability gate bites: a module that serves gRPC as the
# service does, on the grpc and x/net versions the seed shipped (v1.70.0,
# v0.33.0; build/vuln/testdata/grpc-v1.70), must fail build/vuln/check.sh,
# naming GO-2026-4762 (the :path authorization bypass), with the same
# pinned database. (A copy of this module can no longer be put back on
# grpc v1.70.0: the OpenTelemetry modules it needs require a newer grpc,
# and go get drops them.)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { echo "bites.sh: $*" >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$repo/build/vuln/testdata/grpc-v1.70/." "$work/"
say "a gRPC server on google.golang.org/grpc@v1.70.0 and golang.org/x/net@v0.33.0, in $work"
(cd "$work" && go list -m google.golang.org/grpc golang.org/x/net) >&2
if "$repo/build/vuln/check.sh" "$work" >"$work/gate.log" 2>&1; then
  cat "$work/gate.log" >&2
  say "FAIL: the gate passed a module with grpc v1.70.0"
  exit 1
fi
if ! grep -q '^vulngate: FOUND GO-2026-4762 in google.golang.org/grpc@v1.70.0 .*fixed in google.golang.org/grpc@' "$work/gate.log"; then
  cat "$work/gate.log" >&2
  say "FAIL: the gate failed, but without naming GO-2026-4762 in grpc v1.70.0 and its fixed version"
  exit 1
fi
grep '^vulngate: FOUND' "$work/gate.log" | cut -c1-160 >&2
say "ok: the gate refuses grpc v1.70.0: $(grep -c '^vulngate: FOUND' "$work/gate.log") findings, GO-2026-4762 among them"
