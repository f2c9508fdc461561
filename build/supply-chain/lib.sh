# Shared by the supply-chain scripts: sourced, never run.
#
# Every script that acts on an image acts on a digest. A bare tag can move
# between the moment it is read and the moment it is signed or verified, so
# it is refused; "name:tag@sha256:..." is accepted and the tag is checked.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$(basename "$0")
export PATH="$repo/build/.bin:$PATH"

say() { echo "$script: $*" >&2; }
die() { echo "$script: FAIL: $*" >&2; exit 1; }

# require_digest_ref NAME VALUE: VALUE must name an image by digest.
require_digest_ref() {
  local var=$1 ref=$2
  [[ $ref =~ @sha256:[0-9a-f]{64}$ ]] ||
    die "$var=$ref is not pinned by digest; pass repo@sha256:<64 hex> (a tag alone can move)"
}

# repo_of REF: the repository part of name[:tag]@sha256:...
repo_of() {
  local ref=${1%@*}
  # A tag follows the last colon only when that colon comes after the last slash.
  if [[ ${ref##*/} == *:* ]]; then ref=${ref%:*}; fi
  echo "$ref"
}

digest_of() { echo "${1##*@}"; }

# out_dir_for REF: where the files about one image (SBOMs, build record) live.
out_dir_for() {
  local d
  d=$(digest_of "$1")
  echo "${OUT:-$repo/.out}/images/${d#sha256:}"
}

# check_tag REF: when REF names a tag as well as a digest, the tag must still
# point at that digest. A moved tag means the reader and the registry disagree
# about which image is meant: refuse rather than guess.
check_tag() {
  local ref=$1 named current
  named=${ref%@*}
  [[ ${named##*/} == *:* ]] || return 0
  current=$(crane digest "$named") || die "cannot resolve tag $named"
  [[ $current == "$(digest_of "$ref")" ]] ||
    die "tag $named has moved: it now points at $current, not $(digest_of "$ref"); nothing was verified"
}

# provenance_file REF: the SLSA predicate that ko-build.sh or CI wrote for
# the image when it was built.
provenance_file() {
  echo "$(out_dir_for "$1")/provenance.json"
}

# image_arg [REF]: the image a script acts on, from its argument or $IMAGE:
# pinned by digest, its tag (if it names one) not moved. Prints repo@sha256:...
image_arg() {
  local ref=${1:-${IMAGE:-}}
  [[ -n $ref ]] || die "usage: $script IMAGE@sha256:... (or IMAGE=...)"
  require_digest_ref IMAGE "$ref"
  check_tag "$ref"
  echo "$(repo_of "$ref")@$(digest_of "$ref")"
}

# local_registry REF: whether REF's registry is on this machine, where it
# speaks plain HTTP (cosign then needs --allow-insecure-registry); any other
# registry must use TLS.
local_registry() {
  [[ $1 == localhost[:/]* || $1 == 127.0.0.1[:/]* ]]
}
