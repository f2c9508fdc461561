#!/usr/bin/env bash
# Publishes the assets in DIR (what release-assets.sh wrote) as the GitHub
# release of the tag VERSION, which must not have a release yet, published
# or draft. Run by the workflow's release-assets job, with the job's token.
#
#   - A release of VERSION that already exists is refused, draft or not: its
#     assets would be someone else's, and an upload beside them (or over
#     them) would publish a mix. A release left half-made by a failed run
#     is deleted by a maintainer, after reading what it holds; this script
#     never deletes one.
#   - gh release create, given the files, creates the release as a draft,
#     uploads every file, and publishes it only after the last upload, by
#     the new release's own API URL; a failed upload deletes the draft
#     (cli/cli, pkg/cmd/release/create/create.go, draftWhileUploading). It
#     also refuses a tag that already has a published release, and
#     --verify-tag refuses a tag that does not exist.
#   - The published release is then read back by its tag (GitHub's
#     releases/tags endpoint, which returns published releases only): it
#     must be published and hold exactly DIR's files, by name.
#
# usage: VERSION=vX.Y.Z GH_REPO=OWNER/NAME release-publish.sh DIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage="usage: VERSION=vX.Y.Z GH_REPO=OWNER/NAME $script DIR"
(($# == 1)) || die "$usage"
dir=$1
version=${VERSION:-}
[[ $version =~ ^v[0-9][0-9A-Za-z._+-]{0,126}$ ]] || die "VERSION='$version' is not a version tag (v followed by a digit)"
[[ ${GH_REPO:-} =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "GH_REPO='${GH_REPO:-}' is not OWNER/NAME"
[[ -d $dir ]] || die "$dir: no such directory"
mapfile -t files < <(find "$dir" -mindepth 1 -maxdepth 1 | sort)
((${#files[@]} > 0)) || die "$dir holds no assets"
names=()
for file in "${files[@]}"; do
  name=${file##*/}
  [[ -f $file && ! -L $file ]] || die "$name: not a regular file; the assets are release-assets.sh's files, nothing else"
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "$name: not an asset name"
  names+=("$name")
done
# Every asset signed: each file has its bundle, and each bundle its file.
for name in "${names[@]}"; do
  if [[ $name == *.sigstore.json ]]; then
    [[ -f $dir/${name%.sigstore.json} ]] || die "$name: a bundle without its file"
  else
    [[ -f $dir/$name.sigstore.json ]] || die "$name: no Sigstore bundle ($name.sigstore.json)"
  fi
done
want=$(printf '%s\n' "${names[@]}" | LC_ALL=C sort | paste -sd' ')

# gh release view finds a published release by its tag, or a draft by the
# tag it will create; "release not found" is the one answer that lets this
# go on.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if gh release view "$version" --json isDraft,url,assets \
  --jq '"\(if .isDraft then "a draft" else "published" end), \(.url), assets: \([.assets[].name] | join(" "))"' \
  >"$work/existing" 2>"$work/err"; then
  die "$version already has a release ($(cat "$work/existing")): a release is made once, with its own assets; delete it by hand after reading what it holds, then run the job again"
fi
grep -qF "release not found" "$work/err" ||
  die "gh release view $version failed, so whether a release exists is unknown: $(tail -n3 "$work/err")"

say "creating the release of $version with ${#files[@]} assets (a draft until all are uploaded)"
gh release create "$version" --verify-tag --title "$version" \
  --notes "Images by digest, their SBOMs and SLSA Build L3 provenance, each with a Sigstore bundle signed by .github/workflows/ci.yml at refs/tags/$version: SECURITY.md, Release assets." \
  "${files[@]}" >&2

got=$(gh api "repos/$GH_REPO/releases/tags/$version" --jq '"\(.draft) \(.tag_name)|\([.assets[].name] | sort | join(" "))"') ||
  die "cannot read back the release of $version"
[[ ${got%%|*} == "false $version" ]] || die "the release of $version is not published as $version after creation: $got"
[[ ${got#*|} == "$want" ]] ||
  die "the release of $version holds '${got#*|}', not exactly the assets '$want': remove it, and find out who added to it"
say "published $version with exactly: $want"
