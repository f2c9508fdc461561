# shellcheck shell=bash
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

# resolve_in_root ROOT PATH: PATH inside the file tree at ROOT, with every
# symlink resolved as it would be inside the image: an absolute target
# starts again at ROOT, and ".." stops at ROOT. Prints the resolved path
# (relative to ROOT, with a leading slash). A symlink must never lead the
# caller to a file of the host: ROOT$(resolve_in_root ROOT PATH) is always
# under ROOT.
resolve_in_root() {
  local root=$1 rest=${2#/} out="" comp target hops=0
  while [[ -n $rest ]]; do
    comp=${rest%%/*}
    if [[ $rest == */* ]]; then rest=${rest#*/}; else rest=""; fi
    case $comp in
      "" | .) continue ;;
      ..) out=${out%/*}; continue ;;
    esac
    if [[ -L $root$out/$comp ]]; then
      ((++hops <= 40)) || die "$2: more than 40 symlinks deep inside the image"
      target=$(readlink "$root$out/$comp")
      [[ $target != /* ]] || out=""
      rest=${target#/}${rest:+/$rest}
    else
      out=$out/$comp
    fi
  done
  echo "${out:-/}"
}

# oci_purl REF DIGEST PLATFORM: the package URL of an OCI image, as the purl
# spec defines the oci type: the name is the last path segment, in lower
# case; the registry and path go in repository_url; Docker Hub's short names
# are spelled out (alpine is docker.io/library/alpine); the qualifiers are
# sorted, and the platform's architecture is arch (none for an index: pass
# an empty PLATFORM).
oci_purl() {
  local ref=$1 digest=$2 arch=${3#*/} name tag="" first
  arch=${arch%%/*}
  name=$(repo_of "$ref")
  if [[ ${ref%@*} != "$name" ]]; then tag=${ref%@*}; tag=${tag##*:}; fi
  first=${name%%/*}
  if [[ $name != */* || ($first != *.* && $first != *:* && $first != localhost) ]]; then
    [[ $name == */* ]] || name=library/$name
    name=docker.io/$name
  fi
  name=${name,,}
  echo "pkg:oci/${name##*/}@${digest/:/%3A}?${arch:+arch=$arch&}repository_url=$name${tag:+&tag=$tag}"
}

# extract_binary IMAGE PLATFORM DIR: unpacks the image's files for PLATFORM
# into DIR/rootfs and prints the path of the binary it runs: its entrypoint,
# resolved against its working directory and, through symlinks, inside the
# image only.
extract_binary() {
  local image=$1 platform=$2 dir=$3 config entry binary
  config=$(crane config --platform "$platform" "$image") || die "cannot read the config of $image ($platform)"
  entry=$(jq -r '.config.Entrypoint[0] // empty' <<<"$config")
  [[ -n $entry ]] || die "$image ($platform) has no entrypoint"
  if [[ $entry != /* ]]; then
    entry="$(jq -r '.config.WorkingDir // "/"' <<<"$config")/$entry"
  fi
  mkdir -p "$dir/rootfs"
  # Member names may or may not carry a leading slash: extract all, then look.
  crane export --platform "$platform" "$image" - | tar -xf - -C "$dir/rootfs" 2>/dev/null
  # An absolute symlink as the entrypoint must not lead to this host's files.
  binary=$(resolve_in_root "$dir/rootfs" "$entry")
  say "the binary of $image ($platform) is $binary (its entrypoint $entry)"
  [[ -f $dir/rootfs$binary && ! -L $dir/rootfs$binary ]] ||
    die "$image ($platform) has no regular file at $binary (its entrypoint $entry)"
  echo "$dir/rootfs$binary"
}

# platforms_of IMAGE: the platforms of an image index, one per line, or the
# single image's own.
platforms_of() {
  local manifests
  manifests=$(platform_manifests "$1")
  if [[ -n $manifests ]]; then
    awk '{print $1}' <<<"$manifests"
  else
    crane config "$1" | jq -r '.os + "/" + .architecture'
  fi
}

# platform_manifests IMAGE: for an image index, "PLATFORM REPO@DIGEST" per
# platform manifest, one per line; nothing for a single image.
platform_manifests() {
  local manifest
  manifest=$(crane manifest "$1") || die "cannot read the manifest of $1"
  jq -r --arg repo "$(repo_of "$1")" '.manifests[]? | select(.platform != null and .platform.os != "unknown")
    | (.platform.os + "/" + .platform.architecture + (if .platform.variant then "/" + .platform.variant else "" end))
      + " " + $repo + "@" + .digest' <<<"$manifest"
}

# image_label IMAGE PLATFORM KEY: the value of the image's label KEY, or
# nothing.
image_label() {
  crane config --platform "$2" "$1" | jq -r --arg key "$3" '.config.Labels[$key] // empty'
}

# base_of IMAGE PLATFORM: the base image IMAGE was built on, as "REF DIGEST":
# REF is the reference the build named, pinned by digest (ko's annotation,
# or the Dockerfile's label: BuildKit's docker driver cannot annotate), and
# DIGEST the base's manifest for PLATFORM (ko's annotation; else REF's own).
base_of() {
  local image=$1 platform=$2 manifest base digest
  manifest=$(crane manifest --platform "$platform" "$image")
  base=$(jq -r '.annotations["org.opencontainers.image.base.name"] // empty' <<<"$manifest")
  digest=$(jq -r '.annotations["org.opencontainers.image.base.digest"] // empty' <<<"$manifest")
  [[ -n $base ]] || base=$(image_label "$image" "$platform" org.opencontainers.image.base.name)
  [[ -n $base ]] || die "$image ($platform) names no base image (no org.opencontainers.image.base.name annotation or label)"
  require_digest_ref "the base image named by $image" "$base"
  echo "$base ${digest:-$(digest_of "$base")}"
}
