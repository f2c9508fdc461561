#!/usr/bin/env bash
# The vulnerability gate in source mode: govulncheck over every package of a
# module, type-checked against the standard library of the Go that ships
# (build/release-go.sh), judged by vulngate: any finding fails, at any
# level, unless policy/vulnerabilities/exceptions.json excuses it (no fix,
# not expired). Binary mode, on each image's binaries, is
# build/supply-chain/vulncheck.sh.
# usage: build/vuln/check.sh [MODULE_DIR]   (default: this repository)
# env:   GOVULNDB, a database URL (default: build/vuln/db.sh's, offline;
#        the hosted workflow also passes https://vuln.go.dev)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$(cd "${1:-$repo}" && pwd)
say() { echo "check.sh: $*" >&2; }
"$repo/build/tools/install.sh" govulncheck >&2
db=${GOVULNDB:-$("$repo/build/vuln/db.sh")}
release_go=$("$repo/build/release-go.sh")
# govulncheck reads the standard library of the go command on PATH, and
# runs some of its go commands outside module mode, where GOTOOLCHAIN does
# not switch: so the release Go goes first on PATH.
goroot=$(GOTOOLCHAIN=$release_go go env GOROOT)
[[ -x $goroot/bin/go ]] || { say "FAIL: no $release_go at $goroot"; exit 1; }
(cd "$repo" && go build -o build/.bin/vulngate ./build/vulngate)

report=$(mktemp)
trap 'rm -f "$report"' EXIT
say "govulncheck -mode source on $dir/... with $release_go, database $db"
status=0
PATH=$goroot/bin:$PATH GOTOOLCHAIN=local "$repo/build/.bin/govulncheck" -C "$dir" -db "$db" -format json ./... >"$report" || status=$?
# In JSON mode govulncheck exits 0 with findings; anything else means it
# could not scan, and the gate must not read half a report.
((status == 0)) || { say "FAIL: govulncheck could not scan $dir (exit status $status)"; exit 1; }
"$repo/build/.bin/vulngate" -exceptions "$repo/policy/vulnerabilities/exceptions.json" \
  -what "the module in $dir (source)" <"$report"
