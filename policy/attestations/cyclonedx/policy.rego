# The CycloneDX SBOM attestation (cosign --type cyclonedx) of a
# product-catalog image, about that image: the image itself by digest as
# metadata.component, the binary's Go modules with purls and versions, the
# Go standard library, and the base image by digest as the image's ancestor.
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

predicate_type := "https://cyclonedx.org/bom"

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

# The digest of the image the statement is about, as CycloneDX writes it.
image_digest := concat("", ["sha256:", input.subject[0].digest.sha256]) if {
	one_subject
	sha256_only(input.subject[0].digest)
} else := "no valid subject digest"

# --- The BOM.

deny contains sprintf("bomFormat is %v, want CycloneDX", [field(["predicate", "bomFormat"])]) if {
	field(["predicate", "bomFormat"]) != "CycloneDX"
}

# The version our SBOMs are written in (sbom.sh), exactly: an older one
# lacks fields consumers read, a newer one is not read by common tools.
# In JSON, so that the number 1.6 does not read like the string.
deny contains sprintf("specVersion is %s, want \"1.6\"", [json.marshal(field(["predicate", "specVersion"]))]) if {
	field(["predicate", "specVersion"]) != "1.6"
}

# The BOM's identity, as CycloneDX defines it: a UUID URN.
deny contains sprintf("serialNumber is %v, want urn:uuid:<uuid>", [field(["predicate", "serialNumber"])]) if {
	not regex.match(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, field(["predicate", "serialNumber"]))
}

deny contains sprintf("components is %v, want a non-empty list", [field(["predicate", "components"])]) if {
	not non_empty_list(field(["predicate", "components"]))
}

deny contains sprintf("dependencies is %v, want a list (or none)", [field(["predicate", "dependencies"])]) if {
	not field(["predicate", "dependencies"]) == "missing"
	not is_array(field(["predicate", "dependencies"]))
}

non_empty_list(x) if {
	is_array(x)
	count(x) > 0
}

components := list(field(["predicate", "components"]))

dependencies := list(field(["predicate", "dependencies"]))

ancestors := list(field(["predicate", "metadata", "component", "pedigree", "ancestors"]))

deny contains sprintf("%s[%d] is %v, want an object", [kind, i, e]) if {
	some kind, items in {"components": components, "dependencies": dependencies, "ancestors": ancestors}
	some i, e in items
	not is_object(e)
}

# --- The image: metadata.component is the image the statement is about.

component := field(["predicate", "metadata", "component"])

# An SBOM of another image, signed onto this one, would vouch for what this
# image does not hold.
deny contains sprintf("metadata.component is missing, want the image the statement is attested on (a container versioned %s)", [image_digest]) if {
	not is_object(component)
}

deny contains sprintf("metadata.component is %v %v, not the image the statement is attested on (a container versioned %s)", [get(component, "type", "missing"), get(component, "version", "missing"), image_digest]) if {
	is_object(component)
	not describes_subject
}

describes_subject if {
	component.type == "container"
	component.version == image_digest
}

deny contains sprintf("metadata.component %v has no name or bom-ref", [get(component, "version", "missing")]) if {
	not named(component)
}

named(c) if {
	is_string(c.name)
	c.name != ""
	is_string(c["bom-ref"])
	c["bom-ref"] != ""
}

# Every container (the image, an index's platform images) is named by a
# digest a verifier can pull, its SHA-256 is that digest, and its purl
# names it too.
images := array.concat([component], [c | some c in components; is_object(c); c.type == "container"])

deny contains sprintf("container %v is versioned %v, not by a sha256 digest", [get(c, "name", "missing"), get(c, "version", "missing")]) if {
	some c in images
	not real_digest(get(c, "version", "missing"))
}

deny contains sprintf("container %v %v has hashes %v, want SHA-256 %v", [get(c, "name", "missing"), c.version, get(c, "hashes", "missing"), substring(c.version, 7, -1)]) if {
	some c in images
	real_digest(c.version)
	not own_hash(c)
}

own_hash(c) if {
	sha256 := [h.content | some h in list(c.hashes); h.alg == "SHA-256"]
	count(sha256) > 0
	every content in sha256 {
		content == substring(c.version, 7, -1)
	}
}

deny contains sprintf("container %v %v has purl %v, want a pkg:oci purl of that digest", [get(c, "name", "missing"), c.version, get(c, "purl", "missing")]) if {
	some c in images
	real_digest(c.version)
	not oci_purl(get(c, "purl", "missing"), c.version)
}

oci_purl(purl, digest) if {
	regex.match(concat("", [`^pkg:oci/[a-z0-9._-]+@sha256%3A`, substring(digest, 7, -1), `(\?[^#\s]*)?$`]), purl)
}

# The base image: each ancestor a container pinned by a digest (the one
# scanned) that is not the image's own.
deny contains "the base image is not listed by digest (metadata.component.pedigree.ancestors is empty)" if {
	count(ancestors) == 0
}

deny contains sprintf("the base image is not listed by digest: ancestor %v is %v %v, want a container versioned by a sha256 digest (not the image's own) with its pkg:oci purl", [get(a, "bom-ref", "missing"), get(a, "type", "missing"), get(a, "version", "missing")]) if {
	some a in ancestors
	not base_image(a)
}

# One base per image: the image's, or each platform image's of an index.
deny contains sprintf("the BOM lists %d base images (ancestors) for %d images, want one each", [count(ancestors), n]) if {
	count(ancestors) > 0
	n := max({1, count(images) - 1})
	count(ancestors) != n
}

base_image(a) if {
	a.type == "container"
	is_string(a.name)
	a.name != ""
	real_digest(a.version)
	not a.version in {c.version | some c in images}
	oci_purl(a.purl, a.version)
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

# --- References: one bom-ref, one element; dependencies between them.

refs := [r | some e in array.concat(array.concat([component], components), ancestors); r := e["bom-ref"]]

deny contains sprintf("bom-ref %v is not a non-empty string", [ref]) if {
	some ref in refs
	not non_empty_string(ref)
}

non_empty_string(s) if {
	is_string(s)
	s != ""
}

deny contains sprintf("bom-ref %v names %d elements, want one", [ref, n]) if {
	some ref in {r | some r in refs}
	n := count([r | some r in refs; r == ref])
	n > 1
}

deny contains sprintf("dependencies[%d] names %v, an element this BOM does not hold", [i, ref]) if {
	some i, d in dependencies
	some ref in array.concat([get(d, "ref", "missing")], dependency_targets(d))
	not held(ref)
}

held(ref) if {
	is_string(ref)
	ref in refs
}

dependency_targets(d) := d.dependsOn if {
	is_array(d.dependsOn)
} else := [] if {
	get(d, "dependsOn", "missing") == "missing"
} else := ["dependsOn that is not a list"]

# --- Components: each of a CycloneDX type, named, and found by scanners.

component_types := {
	"application", "framework", "library", "container", "platform",
	"operating-system", "device", "device-driver", "firmware", "file",
	"machine-learning-model", "data", "cryptographic-asset",
}

deny contains sprintf("component %v has type %v, not a CycloneDX 1.6 component type", [get(c, "bom-ref", "missing"), get(c, "type", "missing")]) if {
	some c in components
	is_object(c)
	not get(c, "type", "missing") in component_types
}

deny contains sprintf("component %v has name %v, want a non-empty string", [get(c, "bom-ref", "missing"), get(c, "name", "missing")]) if {
	some c in components
	is_object(c)
	not named_component(c)
}

named_component(c) if {
	is_string(c.name)
	c.name != ""
}

# Scanners find a component by its purl: a module whose purl is dropped
# would no longer be a Go component to this policy, nor to a scanner. Only
# files and the operating system are found otherwise.
deny contains sprintf("component %v (%v) has purl %v, want pkg:TYPE/...: scanners would not see it", [get(c, "bom-ref", "missing"), get(c, "name", "missing"), get(c, "purl", "missing")]) if {
	some c in components
	is_object(c)
	not get(c, "type", "missing") in {"file", "operating-system"}
	not regex.match(`^pkg:[a-z][a-z0-9.+-]*/\S+$`, get(c, "purl", "missing"))
}

# --- Go: the modules, the main module and the standard library.

go_components := [c | some c in components; startswith(get(c, "purl", ""), "pkg:golang/")]

deny contains "no Go module of the binary is listed (no pkg:golang purls)" if count(go_components) == 0

deny contains sprintf("the main module %s is not listed", [main_module]) if not lists_main_module

deny contains "the Go standard library (stdlib) is not listed with its Go version" if not lists_stdlib

lists_main_module if {
	some c in go_components
	c.name == main_module
}

lists_stdlib if {
	some c in go_components
	c.name == "stdlib"
	versioned("stdlib", c.version)
}

# Every Go component has a version, the main module included.
deny contains msg if {
	some c in go_components
	not versioned_component(c)
	msg := sprintf("Go component %v has no version (%v)", [get(c, "name", "missing"), get(c, "version", "missing")])
}

# The purl is how scanners look a module up: it must name the component's
# own module and version.
deny contains sprintf("Go component %v %v has purl %v, want %v", [c.name, c.version, c.purl, want]) if {
	some c in go_components
	versioned(c.name, c.version)
	want := go_purl(c.name, c.version)
	c.purl != want
}

go_purl("stdlib", version) := concat("", ["pkg:golang/stdlib@", trim_prefix(version, "go")])

go_purl(name, version) := concat("", ["pkg:golang/", name, "@", version]) if name != "stdlib"

# One release of the main module and one Go per BOM: two would leave a
# reader to guess which one the image runs.
deny contains sprintf("%s is listed at versions %v, want one", [name, versions]) if {
	some name in {main_module, "stdlib"}
	versions := {get(c, "version", "missing") | some c in go_components; c.name == name}
	count(versions) > 1
}

# The fields themselves, not get()'s "missing": that is a version token.
versioned_component(c) if versioned(c.name, c.version)

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

# --- Hashes: an algorithm a verifier trusts, a value of its length.

hashed := [e | some e in array.concat(array.concat([component], components), ancestors); is_object(e)]

deny contains sprintf("%v has hashes %v, want a list", [get(e, "bom-ref", "missing"), e.hashes]) if {
	some e in hashed
	not get(e, "hashes", []) == []
	not is_array(e.hashes)
}

deny contains sprintf("%v has hash %v, want SHA-256 (64) or SHA-1 (40) lowercase hex, not all zeros", [get(e, "bom-ref", "missing"), h]) if {
	some e in hashed
	some h in list(get(e, "hashes", []))
	not well_formed_hash(h)
}

# SHA-1 alone proves nothing: collisions can be made.
deny contains sprintf("%v has hashes but no SHA-256 (SHA-1 alone can be forged)", [get(e, "bom-ref", "missing")]) if {
	some e in hashed
	count(list(get(e, "hashes", []))) > 0
	not has_sha256(e.hashes)
}

well_formed_hash(h) if {
	h.alg == "SHA-256"
	real_hex(h.content, 64)
}

well_formed_hash(h) if {
	h.alg == "SHA-1"
	real_hex(h.content, 40)
}

has_sha256(hashes) if {
	some h in hashes
	well_formed_hash(h)
	h.alg == "SHA-256"
}
