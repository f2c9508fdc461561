# The CycloneDX SBOM attestation (cosign --type cyclonedx) of a
# product-catalog image: the binary's Go modules with purls and versions, the
# Go standard library, and the base image by digest as the image's ancestor.
#
# cosign verify-attestation --policy reads this file as Rego v0 and asks for
# data.signature.allow; conftest reads deny for the reasons.
package signature

import rego.v1

main_module := "github.com/product-catalog/product-catalog"

default allow := false

allow if count(deny) == 0

go_components := [c | some c in input.predicate.components; startswith(object.get(c, "purl", ""), "pkg:golang/")]

# Every compared field is read through field(), which gives "missing" for
# an absent one: missing fields fail closed.
field(path) := object.get(input, path, "missing")

deny contains "predicateType is not https://cyclonedx.org/bom" if {
	field(["predicateType"]) != "https://cyclonedx.org/bom"
}

deny contains "bomFormat is not CycloneDX" if field(["predicate", "bomFormat"]) != "CycloneDX"

# The version our SBOMs are written in (sbom.sh), exactly: an older one
# lacks fields consumers read, a newer one is not read by common tools.
deny contains msg if {
	version := field(["predicate", "specVersion"])
	version != "1.6"
	msg := sprintf("specVersion is %v, want 1.6", [version])
}

deny contains "no Go module of the binary is listed (no pkg:golang purls)" if count(go_components) == 0

deny contains sprintf("the main module %s is not listed", [main_module]) if not lists_main_module

deny contains "the Go standard library (stdlib) is not listed with its Go version" if not lists_stdlib

# Every Go component has a version, the main module included.
deny contains msg if {
	some c in go_components
	not versioned(c.name, object.get(c, "version", ""))
	msg := sprintf("Go component %s has no version", [c.name])
}

deny contains "the base image is not listed by digest (metadata.component.pedigree.ancestors)" if {
	not lists_base_image
}

lists_main_module if {
	some c in go_components
	c.name == main_module
}

lists_stdlib if {
	some c in go_components
	c.name == "stdlib"
	startswith(c.version, "go")
}

lists_base_image if {
	some a in input.predicate.metadata.component.pedigree.ancestors
	a.type == "container"
	real_digest(a.version)
}

# A digest a verifier can look up: sha256, 64 hex, not all zeros.
real_digest(d) if {
	regex.match(`^sha256:[0-9a-f]{64}$`, d)
	not regex.match(`^sha256:0{64}$`, d)
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
