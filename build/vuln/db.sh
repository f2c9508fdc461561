#!/usr/bin/env bash
# Builds the Go vulnerability database that the gate checks against, with
# no network: golang.org/x/vulndb at the version build/tools/vuln/go.mod
# pins (its data/osv, from the Go module proxy), indexed by its own
# cmd/indexdb into the v1 layout govulncheck reads. Cached per version.
# Prints the database's file:// URL on stdout, and which database it is, and
# its date, on stderr.
# usage: build/vuln/db.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${PRODUCT_CATALOG_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog-tools}
"$repo/build/tools/install.sh" indexdb >&2

mod=$(cd "$repo/build/tools/vuln" && go list -m -json golang.org/x/vulndb)
version=$(jq -r '.Version // empty' <<<"$mod")
: "${version:?build/tools/vuln/go.mod pins no golang.org/x/vulndb}"
# The entries in data/osv carry no dates (the live database stamps them when
# it publishes), so the database's date is its commit's: the module
# version's time.
modified=$(jq -r '.Time // empty' <<<"$mod")
: "${modified:?the Go module proxy gave no time for golang.org/x/vulndb@$version}"
db=$cache/vulndb-$version
if [[ ! -f $db/index/db.json ]]; then
  echo "db.sh: indexing golang.org/x/vulndb@$version" >&2
  src=$(cd "$repo/build/tools/vuln" && go mod download -json "golang.org/x/vulndb@$version" | jq -r '.Dir // empty')
  : "${src:?go mod download printed no Dir for golang.org/x/vulndb@$version}"
  tmp=$(mktemp -d "$cache/vulndb-tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  "$repo/build/.bin/indexdb" -vulns "$src/data/osv" -out "$tmp/db"
  jq -n --arg m "$modified" '{modified: $m}' >"$tmp/db/index/db.json"
  rm -rf "$db"
  mv "$tmp/db" "$db"
fi
echo "db.sh: Go vulnerability database golang.org/x/vulndb@$version, last modified $modified, $(jq length "$db/index/vulns.json") entries" >&2
echo "file://$db"
