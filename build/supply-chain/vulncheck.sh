#!/usr/bin/env bash
# The vulnerability gate in binary mode: govulncheck -mode=binary on the Go
# binary of every platform of an image (the standard library and the
# modules that were really compiled in, whatever Go built them), judged by
# vulngate as in source mode: any finding fails, at any level, unless
# policy/vulnerabilities/exceptions.json excuses it. make test runs it on
# both images; CI runs it on each release image before signing it, against
# the live database too.
#
# usage: vulncheck.sh IMAGE@sha256:...
# env:   GOVULNDB, a database URL (default: build/vuln/db.sh's, offline;
#        https://vuln.go.dev for the live one)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
db=${GOVULNDB:-$("$repo/build/vuln/db.sh")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o build/.bin/vulngate ./build/vulngate)

platforms=$(platforms_of "$image")
[[ -n $platforms ]] || die "$image names no platform"
failed=()
for platform in $platforms; do
  binary=$(extract_binary "$image" "$platform" "$work/${platform//\//-}")
  built_with=$(go version "$binary" | awk '{print $2}')
  say "govulncheck -mode=binary: $image ($platform, built with $built_with), database $db"
  status=0
  govulncheck -mode=binary -db "$db" -format json "$binary" >"$work/report.json" 2>"$work/stderr" || status=$?
  ((status == 0)) || { cat "$work/stderr" >&2; die "govulncheck could not check the $platform binary (exit status $status)"; }
  "$repo/build/.bin/vulngate" -exceptions "$repo/policy/vulnerabilities/exceptions.json" \
    -what "the $platform binary of $image (built with $built_with)" <"$work/report.json" >&2 ||
    failed+=("$platform ($built_with)")
done
((${#failed[@]} == 0)) || die "known vulnerabilities in the binary of $image for ${failed[*]}; build with a Go and modules that fix them (SECURITY.md)"
say "ok: no known vulnerability in any platform of $image"
