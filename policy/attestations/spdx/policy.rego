# The SPDX SBOM attestation (cosign --type spdxjson) of a product-catalog
# image must be complete enough to audit, and about that image: the image
# itself by digest, the binary's Go modules with purls, versions and go.sum
# hashes, the Go standard library, and the base image by digest.
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

main_module := "github.com/product-catalog/product-catalog"

# What cosign attest writes (cosign v3 still writes the v0.1 statement).
statement_type := "https://in-toto.io/Statement/v0.1"

predicate_type := "https://spdx.dev/Document"

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
	not sha256_only(get(input.subject[0], "digest", "missing"))
}

deny contains sprintf("subject name is %v, want the image's repository (registry/path, no tag, no digest)", [get(input.subject[0], "name", "missing")]) if {
	one_subject
	not repository(get(input.subject[0], "name", "missing"))
}

one_subject if {
	is_array(input.subject)
	count(input.subject) == 1
}

sha256_only(digests) if {
	is_object(digests)
	object.keys(digests) == {"sha256"}
	real_hex(digests.sha256, 64)
}

# A registry host (and port), then lower-case path components.
repository(name) if regex.match(`^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$`, name)

# The digest of the image the statement is about, as SPDX writes it.
image_digest := concat("", ["sha256:", input.subject[0].digest.sha256]) if {
	one_subject
	sha256_only(input.subject[0].digest)
} else := "no valid subject digest"

# --- The document.

deny contains sprintf("spdxVersion is %v, want SPDX-2.3", [field(["predicate", "spdxVersion"])]) if {
	field(["predicate", "spdxVersion"]) != "SPDX-2.3"
}

deny contains sprintf("dataLicense is %v, want CC0-1.0", [field(["predicate", "dataLicense"])]) if {
	field(["predicate", "dataLicense"]) != "CC0-1.0"
}

deny contains sprintf("the document's SPDXID is %v, want SPDXRef-DOCUMENT", [field(["predicate", "SPDXID"])]) if {
	field(["predicate", "SPDXID"]) != "SPDXRef-DOCUMENT"
}

# The namespace is the document's identity: an absolute URI without '#'.
deny contains sprintf("documentNamespace is %v, want an https URI without '#'", [field(["predicate", "documentNamespace"])]) if {
	not regex.match(`^https://[^\s#]+$`, field(["predicate", "documentNamespace"]))
}

deny contains sprintf("the document's name is %v, want a non-empty string", [field(["predicate", "name"])]) if {
	not named_document
}

# Read directly, not through field(): "missing" is a non-empty string.
named_document if non_empty_string(input.predicate.name)

deny contains sprintf("creationInfo.created is %v, want an RFC 3339 UTC time", [field(["predicate", "creationInfo", "created"])]) if {
	not regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`, field(["predicate", "creationInfo", "created"]))
}

deny contains sprintf("creationInfo.creators is %v, want a list of Tool:, Organization: or Person: entries", [field(["predicate", "creationInfo", "creators"])]) if {
	not creators(field(["predicate", "creationInfo", "creators"]))
}

creators(c) if {
	is_array(c)
	count(c) > 0
	every x in c {
		regex.match(`^(Tool|Organization|Person): \S`, x)
	}
}

non_empty_string(s) if {
	is_string(s)
	s != ""
}

deny contains "packages is not a non-empty list" if not non_empty_list(field(["predicate", "packages"]))

deny contains "relationships is not a non-empty list" if not non_empty_list(field(["predicate", "relationships"]))

deny contains sprintf("files is %v, want a list (or no files)", [field(["predicate", "files"])]) if {
	not field(["predicate", "files"]) == "missing"
	not is_array(field(["predicate", "files"]))
}

deny contains sprintf("documentDescribes is %v, want a list (or none)", [field(["predicate", "documentDescribes"])]) if {
	not field(["predicate", "documentDescribes"]) == "missing"
	not is_array(field(["predicate", "documentDescribes"]))
}

non_empty_list(x) if {
	is_array(x)
	count(x) > 0
}

packages := list(field(["predicate", "packages"]))

files := list(field(["predicate", "files"]))

relationships := list(field(["predicate", "relationships"]))

deny contains sprintf("%s[%d] is %v, want an object", [kind, i, e]) if {
	some kind, items in {"packages": packages, "files": files, "relationships": relationships}
	some i, e in items
	not is_object(e)
}

# The packages and files, each by its SPDX id.
elements := [e | some e in array.concat(packages, files); is_object(e)]

ids := [get(e, "SPDXID", "missing") | some e in elements]

pkgs := [p | some p in packages; is_object(p)]

deny contains sprintf("SPDXID %v is not an SPDX id (SPDXRef- and letters, digits, '.', '-')", [id]) if {
	some id in ids
	not regex.match(`^SPDXRef-[A-Za-z0-9.-]+$`, id)
}

# One id, one element: a relationship to an id held twice could mean
# either, and a second package could stand in for the one audited.
deny contains sprintf("SPDXID %s names %d elements, want one", [id, n]) if {
	all := array.concat(ids, ["SPDXRef-DOCUMENT"])
	some id in {i | some i in all}
	n := count([i | some i in all; i == id])
	n > 1
}

# The elements a relationship may name: the document, its packages and
# files; the related side may also be SPDX's NONE or NOASSERTION.
held := {e.SPDXID | some e in elements; is_string(e.SPDXID)} | {"SPDXRef-DOCUMENT"}

deny contains sprintf("relationships[%d].spdxElementId is %v, an element this document does not hold", [i, side]) if {
	some i, r in relationships
	side := get(r, "spdxElementId", "missing")
	not side in held
}

deny contains sprintf("relationships[%d].relatedSpdxElement is %v, an element this document does not hold", [i, side]) if {
	some i, r in relationships
	side := get(r, "relatedSpdxElement", "missing")
	not side in (held | {"NONE", "NOASSERTION"})
}

deny contains sprintf("relationships[%d].relationshipType is %v, not an SPDX 2.3 relationship type", [i, t]) if {
	some i, r in relationships
	t := get(r, "relationshipType", "missing")
	not t in relationship_types
}

relationship_types := {
	"DESCRIBES", "DESCRIBED_BY", "CONTAINS", "CONTAINED_BY", "DEPENDS_ON",
	"DEPENDENCY_OF", "DEPENDENCY_MANIFEST_OF", "BUILD_DEPENDENCY_OF",
	"DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF", "PROVIDED_DEPENDENCY_OF",
	"TEST_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF", "EXAMPLE_OF", "GENERATES",
	"GENERATED_FROM", "ANCESTOR_OF", "DESCENDANT_OF", "VARIANT_OF",
	"DISTRIBUTION_ARTIFACT", "PATCH_FOR", "PATCH_APPLIED", "COPY_OF",
	"FILE_ADDED", "FILE_DELETED", "FILE_MODIFIED", "EXPANDED_FROM_ARCHIVE",
	"DYNAMIC_LINK", "STATIC_LINK", "DATA_FILE_OF", "TEST_CASE_OF",
	"BUILD_TOOL_OF", "DEV_TOOL_OF", "TEST_OF", "TEST_TOOL_OF",
	"DOCUMENTATION_OF", "OPTIONAL_COMPONENT_OF", "METAFILE_OF", "PACKAGE_OF",
	"AMENDS", "PREREQUISITE_FOR", "HAS_PREREQUISITE",
	"REQUIREMENT_DESCRIPTION_FOR", "SPECIFICATION_FOR", "OTHER",
}

# --- What the document describes: the image the statement is about.

# SPDX 2.3 says it both ways: documentDescribes, and DESCRIBES from the
# document. Together they must name one element.
described := {id | some id in list(field(["predicate", "documentDescribes"]))} | {get(r, "relatedSpdxElement", "missing") |
	some r in relationships
	get(r, "spdxElementId", "") == "SPDXRef-DOCUMENT"
	get(r, "relationshipType", "") == "DESCRIBES"
}

deny contains sprintf("the document DESCRIBES %v, want exactly one element: the image", [described]) if {
	count(described) != 1
}

root := id if {
	count(described) == 1
	some id in described
}

# An SBOM of another image, signed onto this one, would vouch for what this
# image does not hold.
deny contains sprintf("the document DESCRIBES %s, which is not the image the statement is attested on (a CONTAINER package versioned %s)", [root, image_digest]) if {
	not container_versioned(root, image_digest)
}

container_versioned(id, digest) if {
	some p in pkgs
	p.SPDXID == id
	p.primaryPackagePurpose == "CONTAINER"
	p.versionInfo == digest
}

containers := {p.SPDXID | some p in pkgs; p.primaryPackagePurpose == "CONTAINER"}

# Every CONTAINER package (the image, an index's platform images, the base
# images) is named by a digest a verifier can pull, and its purl names
# that digest too.
deny contains sprintf("CONTAINER package %v is versioned %v, not by a sha256 digest", [get(p, "SPDXID", "missing"), get(p, "versionInfo", "missing")]) if {
	some p in pkgs
	p.primaryPackagePurpose == "CONTAINER"
	not real_digest(get(p, "versionInfo", "missing"))
}

deny contains sprintf("CONTAINER package %v has no pkg:oci purl of its digest %v", [get(p, "SPDXID", "missing"), p.versionInfo]) if {
	some p in pkgs
	p.primaryPackagePurpose == "CONTAINER"
	real_digest(p.versionInfo)
	not oci_purl_of(p, p.versionInfo)
}

oci_purl_of(p, digest) if {
	some l in purls(p)
	regex.match(concat("", [`^pkg:oci/[a-z0-9._-]+@sha256%3A`, substring(digest, 7, -1), `(\?[^#\s]*)?$`]), l)
}

# The images the document is about: the platform images an index CONTAINS,
# or else the described image itself.
platform_images := {id |
	some r in relationships
	get(r, "spdxElementId", "") == root
	get(r, "relationshipType", "") == "CONTAINS"
	id := get(r, "relatedSpdxElement", "")
	id in containers
}

images := platform_images if {
	count(platform_images) > 0
} else := {root}

# Each image DESCENDANT_OF another CONTAINER package pinned by a digest:
# not of NONE, NOASSERTION, the document, or itself.
deny contains sprintf("the base image is not listed by digest: %v is DESCENDANT_OF no other CONTAINER package versioned by a sha256 digest", [image]) if {
	some image in images
	not has_base(image)
}

# One base per image: a second, or NOASSERTION beside the real one, would
# leave a reader to pick which base the image was built on.
deny contains sprintf("%v is DESCENDANT_OF %v, want exactly one base image", [image, bases]) if {
	some image in images
	bases := [get(r, "relatedSpdxElement", "missing") |
		some r in relationships
		get(r, "spdxElementId", "") == image
		get(r, "relationshipType", "") == "DESCENDANT_OF"
	]
	count(bases) > 1
}

has_base(image) if {
	some r in relationships
	get(r, "spdxElementId", "") == image
	get(r, "relationshipType", "") == "DESCENDANT_OF"
	some base in pkgs
	base.SPDXID == get(r, "relatedSpdxElement", "")
	base.SPDXID != image
	base.primaryPackagePurpose == "CONTAINER"
	real_digest(base.versionInfo)
	some own in pkgs
	own.SPDXID == image
	own.versionInfo != base.versionInfo
}

# A digest a verifier can look up: sha256, 64 hex, not all zeros.
real_digest(d) if {
	startswith(d, "sha256:")
	real_hex(substring(d, 7, -1), 64)
}

real_hex(value, length) if {
	regex.match(sprintf("^[0-9a-f]{%d}$", [length]), value)
	not regex.match(`^0+$`, value)
}

# --- Go: the modules, the main module and the standard library.

purls(p) := [get(r, "referenceLocator", "missing") |
	some r in list(get(p, "externalRefs", []))
	get(r, "referenceType", "") == "purl"
]

deny contains sprintf("%v has externalRefs %v, want a list", [get(p, "SPDXID", "missing"), p.externalRefs]) if {
	some p in pkgs
	not get(p, "externalRefs", []) == []
	not is_array(p.externalRefs)
}

# The references syft writes and scanners read: a purl, or a CPE. A module
# whose purl is retyped or dropped would no longer be a Go package to this
# policy, nor a package to a scanner.
deny contains sprintf("%v has external reference %v, want a PACKAGE-MANAGER purl (pkg:TYPE/...) or a SECURITY cpe23Type (cpe:2.3:...)", [get(p, "SPDXID", "missing"), r]) if {
	some p in pkgs
	some r in list(get(p, "externalRefs", []))
	not known_reference(r)
}

known_reference(r) if {
	r.referenceCategory == "PACKAGE-MANAGER"
	r.referenceType == "purl"
	regex.match(`^pkg:[a-z][a-z0-9.+-]*/\S+$`, r.referenceLocator)
}

known_reference(r) if {
	r.referenceCategory == "SECURITY"
	r.referenceType == "cpe23Type"
	regex.match(`^cpe:2\.3:\S+$`, r.referenceLocator)
}

deny contains sprintf("package %v (%v) has no purl: scanners would not see it", [get(p, "SPDXID", "missing"), get(p, "name", "missing")]) if {
	some p in pkgs
	count(purls(p)) == 0
}

deny contains sprintf("package %v has name %v, want a non-empty string", [get(p, "SPDXID", "missing"), get(p, "name", "missing")]) if {
	some p in pkgs
	not named_package(p)
}

named_package(p) if non_empty_string(p.name)

go_packages := [p | some p in pkgs; some l in purls(p); startswith(l, "pkg:golang/")]

deny contains "no Go module of the binary is listed (no pkg:golang purls)" if count(go_packages) == 0

deny contains sprintf("the main module %s is not listed", [main_module]) if not lists_main_module

deny contains "the Go standard library (stdlib) is not listed with its Go version" if not lists_stdlib

lists_main_module if {
	some p in go_packages
	p.name == main_module
}

lists_stdlib if {
	some p in go_packages
	p.name == "stdlib"
	versioned("stdlib", p.versionInfo)
}

# Every Go package has a version, the main module included: the version
# stamped into the binary (sbom.sh), so a consumer can tell which release
# the image holds.
deny contains msg if {
	some p in go_packages
	not versioned_package(p)
	msg := sprintf("Go package %v has no version (%v)", [get(p, "name", "missing"), get(p, "versionInfo", "missing")])
}

# The purl is how scanners look a module up: it must name the package's
# own module and version, and be its only purl.
deny contains sprintf("Go package %v %v has purls %v, want exactly %v", [p.name, p.versionInfo, purls(p), [want]]) if {
	some p in go_packages
	versioned(p.name, p.versionInfo)
	want := go_purl(p.name, p.versionInfo)
	purls(p) != [want]
}

go_purl("stdlib", version) := concat("", ["pkg:golang/stdlib@", trim_prefix(version, "go")])

go_purl(name, version) := concat("", ["pkg:golang/", name, "@", version]) if name != "stdlib"

# One release of the main module and one Go per document: two would leave
# a reader to guess which one the image runs.
deny contains sprintf("%s is listed at versions %v, want one", [name, versions]) if {
	some name in {main_module, "stdlib"}
	versions := {get(p, "versionInfo", "missing") | some p in go_packages; p.name == name}
	count(versions) > 1
}

# A dependency carries the hash go.sum holds for it, as SHA256: what ties
# the listed version to the code that was compiled.
deny contains sprintf("Go module %v %v has no SHA256 checksum (its go.sum hash)", [get(p, "name", "missing"), get(p, "versionInfo", "missing")]) if {
	some p in go_packages
	not get(p, "name", "missing") in {main_module, "stdlib"}
	not has_sha256(list(get(p, "checksums", [])))
}

# The fields themselves, not get()'s "missing": that is a version token.
versioned_package(p) if versioned(p.name, p.versionInfo)

# Modules and the standard library carry Go's versions (v1.2.3,
# v0.0.0-2019...-a7dc8b61c822, go1.22.12); the main module carries the
# version stamped into the binary, which the Makefile allows to be any such
# token (a tag, a commit, "main"), but not Go's "(devel)" nor syft's
# "UNKNOWN".
versioned("stdlib", version) if regex.match(`^go1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?$`, version)

versioned(name, version) if {
	not name in {main_module, "stdlib"}
	regex.match(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+incompatible)?$`, version)
}

versioned(name, version) if {
	name == main_module
	regex.match(`^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$`, version)
	not version in {"UNKNOWN", "NOASSERTION", "NONE"}
}

# --- Checksums: an algorithm a verifier trusts, a value of its length.

deny contains sprintf("%v has checksums %v, want a list", [get(e, "SPDXID", "missing"), e.checksums]) if {
	some e in elements
	not get(e, "checksums", []) == []
	not is_array(e.checksums)
}

deny contains sprintf("%v has checksum %v, want SHA256 (64) or SHA1 (40) lowercase hex, not all zeros", [get(e, "SPDXID", "missing"), c]) if {
	some e in elements
	some c in list(get(e, "checksums", []))
	not checksum(c)
}

# SHA1 alone proves nothing: collisions can be made.
deny contains sprintf("%v has checksums but no SHA256 (SHA1 alone can be forged)", [get(e, "SPDXID", "missing")]) if {
	some e in elements
	count(list(get(e, "checksums", []))) > 0
	not has_sha256(e.checksums)
}

# A CONTAINER's own SHA256 is its digest: a second digest would make the
# package two images.
deny contains sprintf("CONTAINER package %v has SHA256 %v, but is versioned %v", [get(p, "SPDXID", "missing"), c.checksumValue, get(p, "versionInfo", "missing")]) if {
	some p in pkgs
	p.primaryPackagePurpose == "CONTAINER"
	some c in list(get(p, "checksums", []))
	c.algorithm == "SHA256"
	concat("", ["sha256:", c.checksumValue]) != p.versionInfo
}

checksum(c) if {
	c.algorithm == "SHA256"
	real_hex(c.checksumValue, 64)
}

checksum(c) if {
	c.algorithm == "SHA1"
	real_hex(c.checksumValue, 40)
}

has_sha256(checksums) if {
	some c in checksums
	checksum(c)
	c.algorithm == "SHA256"
}
