# The SPDX SBOM attestation (cosign --type spdxjson) of a product-catalog
# image must be complete enough to audit: the binary's Go modules with purls
# and versions, the Go standard library, and the base image by digest.
#
# cosign verify-attestation --policy reads this file as Rego v0 and asks for
# data.signature.allow; conftest reads deny for the reasons.
package signature

import rego.v1

main_module := "github.com/product-catalog/product-catalog"

default allow := false

allow if count(deny) == 0

purl(p) := [r.referenceLocator | some r in p.externalRefs; r.referenceType == "purl"][0]

go_packages := [p | some p in input.predicate.packages; startswith(purl(p), "pkg:golang/")]

# Every compared field is read through field(), which gives "missing" for
# an absent one: missing fields fail closed.
field(path) := object.get(input, path, "missing")

deny contains "predicateType is not https://spdx.dev/Document" if {
	field(["predicateType"]) != "https://spdx.dev/Document"
}

deny contains msg if {
	version := field(["predicate", "spdxVersion"])
	version != "SPDX-2.3"
	msg := sprintf("spdxVersion is %v, want SPDX-2.3", [version])
}

deny contains "no Go module of the binary is listed (no pkg:golang purls)" if {
	count(go_packages) == 0
}

deny contains sprintf("the main module %s is not listed", [main_module]) if not lists_main_module

deny contains "the Go standard library (stdlib) is not listed with its Go version" if not lists_stdlib

# Every Go package has a version, the main module included: the version
# stamped into the binary (sbom.sh), so a consumer can tell which release
# the image holds.
deny contains msg if {
	some p in go_packages
	not versioned(p.name, object.get(p, "versionInfo", "missing"))
	msg := sprintf("Go package %s has no version (%v)", [p.name, object.get(p, "versionInfo", "missing")])
}

deny contains "the base image is not listed by digest (no CONTAINER package that the image is DESCENDANT_OF)" if {
	not lists_base_image
}

lists_main_module if {
	some p in go_packages
	p.name == main_module
}

lists_stdlib if {
	some p in go_packages
	p.name == "stdlib"
	startswith(p.versionInfo, "go")
}

# The base image: a CONTAINER package pinned by a real digest that an
# element of this document is DESCENDANT_OF.
lists_base_image if {
	some p in input.predicate.packages
	p.primaryPackagePurpose == "CONTAINER"
	real_digest(p.versionInfo)
	some r in input.predicate.relationships
	r.relationshipType == "DESCENDANT_OF"
	r.relatedSpdxElement == p.SPDXID
	r.spdxElementId in elements
}

# A digest a verifier can look up: sha256, 64 hex, not all zeros.
real_digest(d) if {
	regex.match(`^sha256:[0-9a-f]{64}$`, d)
	not regex.match(`^sha256:0{64}$`, d)
}

# The elements a relationship may name: the document, its packages and
# files, or SPDX's NONE and NOASSERTION.
elements := ({id | some p in input.predicate.packages; id := p.SPDXID} | {id | some f in object.get(input.predicate, "files", []); id := f.SPDXID}) | {"SPDXRef-DOCUMENT", "NONE", "NOASSERTION"}

deny contains msg if {
	some i, r in input.predicate.relationships
	some side in ["spdxElementId", "relatedSpdxElement"]
	not object.get(r, side, "missing") in elements
	msg := sprintf("relationships[%d].%s is %v, an element this document does not hold", [i, side, object.get(r, side, "missing")])
}

# Modules and the standard library carry Go's versions (v1.2.3, go1.22.12);
# the main module carries the version stamped into the binary, which the
# Makefile allows to be any such token (a tag, a commit, "main"), but not
# Go's "(devel)" nor syft's "UNKNOWN".
versioned(name, version) if {
	name != main_module
	regex.match(`^(v|go)[0-9]`, version)
}

versioned(name, version) if {
	name == main_module
	regex.match(`^[0-9A-Za-z][0-9A-Za-z._+-]*$`, version)
	not version in {"UNKNOWN", "NOASSERTION", "NONE"}
}
