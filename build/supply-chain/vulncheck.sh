#!/usr/bin/env bash
# Checks the Go binary of every platform of an image for known
# vulnerabilities, with govulncheck -mode=binary: the standard library and
# modules that were really compiled in, whatever Go built them. Fails on any
# finding, printing govulncheck's report. CI runs it on each image before
# signing it.
#
# usage: vulncheck.sh IMAGE@sha256:...
# env:   GOVULNDB, the vulnerability database (default https://vuln.go.dev;
#        file:///path for a mirror)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image=$(image_arg "$@")
db=${GOVULNDB:-https://vuln.go.dev}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

platforms=$(platforms_of "$image")
[[ -n $platforms ]] || die "$image names no platform"
found=()
for platform in $platforms; do
  binary=$(extract_binary "$image" "$platform" "$work/${platform//\//-}")
  built_with=$(go version "$binary" | awk '{print $2}')
  say "govulncheck -mode=binary: $image ($platform, built with $built_with), database $db"
  status=0
  govulncheck -mode=binary -db "$db" "$binary" >"$work/report" 2>&1 || status=$?
  case $status in
    0) say "ok: no known vulnerability in the $platform binary" ;;
    3) cat "$work/report" >&2; found+=("$platform ($built_with)") ;;
    *) cat "$work/report" >&2; die "govulncheck could not check the $platform binary (exit status $status)" ;;
  esac
done
((${#found[@]} == 0)) || die "known vulnerabilities in the binary of $image for ${found[*]}; build with a Go that fixes them (GO_IMAGE, SECURITY.md)"
say "ok: govulncheck found no known vulnerability in any platform of $image"
