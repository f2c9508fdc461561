# The SLSA v1 provenance attestation (cosign --type slsaprovenance1) of a
# product-catalog image must say that this repository's release workflow
# built it, by one of our two build types, from which commit, with which
# go.sum, recipe and base image: exactly what build/supply-chain/
# provenance.sh writes, and nothing a verifier would have to guess about.
#
# cosign verify-attestation --policy reads this file as Rego v0 and asks for
# data.signature.allow; conftest reads deny for the reasons. The input is
# the in-toto statement that cosign attest wrote (_type, predicateType,
# subject, predicate), as cosign verify-attestation hands it over.
#
# Every rule states what must hold and denies when it does not: a field
# that is missing, empty or of another type is refused like a wrong one.
package signature

import rego.v1

source_repository := "https://github.com/product-catalog/product-catalog"

# What cosign attest writes (cosign v3 still writes the v0.1 statement).
statement_type := "https://in-toto.io/Statement/v0.1"

predicate_type := "https://slsa.dev/provenance/v1"

# The builds provenance.sh describes, by build type, each with the recipe
# it reads.
recipes := {
	concat("", [source_repository, "/blob/main/build/supply-chain/ko-build.sh@v1"]): ".ko.yaml",
	concat("", [source_repository, "/blob/main/Dockerfile@v1"]): "Dockerfile",
}

# The identity the release workflow signs with (verify.sh, SECURITY.md):
# ci.yml on main or on a version tag, the tag's name as the release gate
# allows it. A laptop, a fork, another workflow or a pull request is not a
# release builder.
release_builder := `^https://github\.com/product-catalog/product-catalog/\.github/workflows/ci\.yml@refs/(heads/main|tags/v[0-9][0-9A-Za-z._+-]{0,126})$`

platforms := {"linux/amd64", "linux/arm64"}

default allow := false

allow if count(deny) == 0

# field() gives "missing" for an absent field, so that a comparison with it
# is false rather than undefined (an undefined comparison never denies).
field(path) := object.get(input, path, "missing")

get(x, key, otherwise) := object.get(x, key, otherwise) if is_object(x)

get(x, _, otherwise) := otherwise if not is_object(x)

list(x) := x if {
	is_array(x)
} else := []

# --- The statement: what it is, and which image it is about.

deny contains sprintf("_type is %v, want %s", [field(["_type"]), statement_type]) if {
	field(["_type"]) != statement_type
}

deny contains sprintf("predicateType is %v, want %s", [field(["predicateType"]), predicate_type]) if {
	field(["predicateType"]) != predicate_type
}

# cosign accepts a statement when any of its subjects is the image being
# verified; a second subject would stretch the statement to an image
# nobody verified.
deny contains sprintf("subject is %v, want exactly one: the image the statement is attested on", [field(["subject"])]) if {
	not one_subject
}

deny contains sprintf("subject digest is %v, want only sha256: 64 lowercase hex, not all zeros", [get(input.subject[0], "digest", "missing")]) if {
	one_subject
	not digest_is(get(input.subject[0], "digest", "missing"), "sha256")
}

deny contains sprintf("subject name is %v, want the image's repository (registry/path, no tag, no digest)", [get(input.subject[0], "name", "missing")]) if {
	one_subject
	not repository(get(input.subject[0], "name", "missing"))
}

one_subject if {
	is_array(input.subject)
	count(input.subject) == 1
}

# A registry host (and port), then lower-case path components.
repository(name) if regex.match(`^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$`, name)

# --- How it was built: by which build, with which parameters.

build_type := field(["predicate", "buildDefinition", "buildType"])

deny contains sprintf("buildType is %v, want one of %v", [build_type, object.keys(recipes)]) if {
	not recipes[build_type]
}

# SLSA: a verifier must refuse external parameters it does not know, since
# any of them could have changed what was built.
deny contains sprintf("externalParameters has keys %v, want exactly platforms, recipe, source, version", [keys(external)]) if {
	keys(external) != {"platforms", "recipe", "source", "version"}
}

deny contains sprintf("externalParameters.source has keys %v, want exactly commit, dirty, ref, repository", [keys(source)]) if {
	keys(source) != {"commit", "dirty", "ref", "repository"}
}

external := field(["predicate", "buildDefinition", "externalParameters"])

source := get(external, "source", "missing")

keys(x) := object.keys(x) if is_object(x)

keys(x) := sprintf("none (%v is not an object)", [x]) if not is_object(x)

repository_field := get(source, "repository", "missing")

deny contains sprintf("the source repository is %v, not %s", [repository_field, source_repository]) if {
	repository_field != source_repository
}

commit := get(source, "commit", "missing")

ref := get(source, "ref", "missing")

deny contains sprintf("the source commit %v is not a full git commit id (40 lowercase hex, not all zeros)", [commit]) if {
	not real_hex(commit, 40)
}

# A branch, a tag or a pull request's ref, or the commit itself when the
# build ran on a detached HEAD.
deny contains sprintf("the source ref %v is not a git ref (refs/heads/, refs/tags/, refs/pull/) nor the commit", [ref]) if {
	not git_ref(ref)
}

git_ref(r) if {
	regex.match(`^refs/(heads|tags|pull)/[^\s~^:?*\[\\]+$`, r)
	not contains(r, "..")
}

git_ref(r) if {
	r == commit
	real_hex(commit, 40)
}

deny contains sprintf("source.dirty is %v, want true or false", [get(source, "dirty", "missing")]) if {
	not is_boolean(get(source, "dirty", "missing"))
}

deny contains sprintf("the recipe is %v, want %v for buildType %v", [get(external, "recipe", "missing"), object.get(recipes, build_type, "a known build type's recipe"), build_type]) if {
	get(external, "recipe", "missing") != object.get(recipes, build_type, "no recipe")
}

# The version stamped into the binary: a token the release gate allows.
deny contains sprintf("the version %v is not a version token (letters, digits, '.', '_', '+', '-')", [get(external, "version", "missing")]) if {
	not version_token
}

# Read directly, not through get(): "missing" is a version token.
version_token if regex.match(`^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$`, external.version)

deny contains sprintf("platforms is %v, want a list of distinct platforms from %v", [get(external, "platforms", "missing"), platforms]) if {
	not platform_list(get(external, "platforms", "missing"))
}

platform_list(p) if {
	is_array(p)
	count(p) > 0
	count({x | some x in p}) == count(p)
	every x in p {
		x in platforms
	}
}

# --- What it was built from: the resolved dependencies.

dependencies := field(["predicate", "buildDefinition", "resolvedDependencies"])

deny contains sprintf("resolvedDependencies is %v, want a non-empty list", [dependencies]) if {
	not is_array(dependencies)
}

recipe := object.get(recipes, build_type, "no recipe")

# What each dependency is, by its name: the source (unnamed, as SLSA names
# a repository by its uri), go.sum, the recipe, the base image, and for a
# Dockerfile build the builder image.
dependency_names := {"", "go.sum", recipe, "base image", "builder image"}

required := {"", "go.sum", recipe, "base image", "builder image"} if {
	recipe == "Dockerfile"
} else := {"", "go.sum", recipe, "base image"}

name_of(d) := get(d, "name", "")

described(name) := "the source" if name == ""

described(name) := name if name != ""

deny contains sprintf("resolvedDependencies[%d] is %v, not one this build resolves (the source, go.sum, %s, base image, builder image)", [i, name_of(d), recipe]) if {
	some i, d in list(dependencies)
	not name_of(d) in dependency_names
}

deny contains sprintf("resolvedDependencies lists %s %d times, want once", [described(name), n]) if {
	some name in dependency_names
	n := count([d | some d in list(dependencies); name_of(d) == name])
	n > 1
}

deny contains sprintf("no resolved dependency pins %s", [described(name)]) if {
	some name in required
	count([d | some d in list(dependencies); name_of(d) == name]) == 0
}

# Every digest a verifier can look up: the source by a git commit of 40
# hex, everything else by a sha256 of 64, neither all zeros, and no other
# algorithm beside them.
algorithm("") := "gitCommit"

algorithm(name) := "sha256" if name != ""

deny contains sprintf("resolvedDependencies[%d] (%s) has digest %v, want only %s: %s", [i, described(name_of(d)), get(d, "digest", "missing"), algorithm(name_of(d)), shape[algorithm(name_of(d))]]) if {
	some i, d in list(dependencies)
	name_of(d) in dependency_names
	not digest_is(get(d, "digest", "missing"), algorithm(name_of(d)))
}

shape := {"gitCommit": "40 lowercase hex, not all zeros", "sha256": "64 lowercase hex, not all zeros"}

digest_is(digests, "sha256") if {
	is_object(digests)
	object.keys(digests) == {"sha256"}
	real_hex(digests.sha256, 64)
}

digest_is(digests, "gitCommit") if {
	is_object(digests)
	object.keys(digests) == {"gitCommit"}
	real_hex(digests.gitCommit, 40)
}

deny contains sprintf("the source dependency pins commit %v, but the source is commit %v", [d.digest.gitCommit, commit]) if {
	some d in list(dependencies)
	name_of(d) == ""
	d.digest.gitCommit != commit
}

# Where each dependency is: the source at its ref, go.sum and the recipe
# at the commit, the images by a purl that names their digest.
deny contains sprintf("resolvedDependencies[%d] (%s) has uri %v, want %s", [i, described(name_of(d)), get(d, "uri", "missing"), want]) if {
	some i, d in list(dependencies)
	name_of(d) in {"", "go.sum", recipe}
	want := file_uri(name_of(d))
	get(d, "uri", "missing") != want
}

file_uri("") := sprintf("git+%s@%v", [source_repository, ref])

file_uri(name) := sprintf("%s/blob/%v/%s", [source_repository, commit, name]) if name != ""

deny contains sprintf("resolvedDependencies[%d] (%s) has uri %v, want a pkg:oci purl of its digest", [i, name_of(d), get(d, "uri", "missing")]) if {
	some i, d in list(dependencies)
	name_of(d) in {"base image", "builder image"}
	digest_is(d.digest, "sha256")
	not regex.match(concat("", [`^pkg:oci/[a-z0-9._-]+@sha256%3A`, d.digest.sha256, `(\?[^#\s]*)?$`]), get(d, "uri", "missing"))
}

real_hex(value, length) if {
	regex.match(sprintf("^[0-9a-f]{%d}$", [length]), value)
	not regex.match(`^0+$`, value)
}

# --- Who built it.

builder := field(["predicate", "runDetails", "builder", "id"])

deny contains sprintf("runDetails.builder.id is %v, want the release workflow: %s/.github/workflows/ci.yml@refs/heads/main or @refs/tags/v*", [builder, source_repository]) if {
	not regex.match(release_builder, builder)
}
