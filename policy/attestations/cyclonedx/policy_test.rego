package signature

import rego.v1

good := {
	"predicateType": "https://cyclonedx.org/bom",
	"predicate": {
		"bomFormat": "CycloneDX",
		"specVersion": "1.6",
		"metadata": {"component": {"type": "container", "pedigree": {"ancestors": [{"type": "container", "version": "sha256:66e9272003043e58326e4aec4dc2023ff0b0c432ce9b4385710a36c7afe5da59"}]}}},
		"components": [
			{"name": "github.com/product-catalog/product-catalog", "version": "v1.2.3", "purl": "pkg:golang/github.com/product-catalog/product-catalog@v1.2.3"},
			{"name": "go.uber.org/zap", "version": "v1.28.0", "purl": "pkg:golang/go.uber.org/zap@v1.28.0"},
			{"name": "stdlib", "version": "go1.22.12", "purl": "pkg:golang/stdlib@1.22.12"},
		],
	},
}

test_complete_sbom_allowed if {
	allow with input as good
}

test_not_cyclonedx if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/bomFormat", "value": "SPDX"}])
	contains(msg, "bomFormat")
}

test_no_stdlib if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/components/2"}])
	contains(msg, "standard library")
}

test_module_without_version if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/components/1/version"}])
	contains(msg, "go.uber.org/zap has no version")
}

test_no_base_image if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/metadata/component/pedigree"}])
	contains(msg, "base image")
}

# Each field the policy reads, removed, is a denial.
test_missing_fields_fail_closed if {
	every path in [
		"predicateType",
		"predicate/bomFormat",
		"predicate/components",
		"predicate/components/0/purl",
		"predicate/components/1/version",
		"predicate/components/2/version",
		"predicate/metadata/component/pedigree/ancestors",
		"predicate/metadata/component/pedigree/ancestors/0/type",
		"predicate/metadata/component/pedigree/ancestors/0/version",
		"predicate/metadata",
		"predicate",
	] {
		not allow with input as json.remove(good, [path])
		count(deny) > 0 with input as json.remove(good, [path])
	}
}

test_unversioned_main_module if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/components/0/version", "value": "UNKNOWN"}])
	contains(msg, "github.com/product-catalog/product-catalog has no version")
}

# Last release's bypasses: an older CycloneDX, and a base image "version"
# that is no digest at all, or all zeros.
test_cyclonedx_1_2 if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/specVersion", "value": "1.2"}])
	contains(msg, "specVersion is 1.2, want 1.6")
}

test_base_image_digest_empty if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/metadata/component/pedigree/ancestors/0/version", "value": "sha256:"}])
	contains(msg, "base image")
}

test_base_image_digest_zero if {
	zero := concat("", ["sha256:", "0000000000000000000000000000000000000000000000000000000000000000"])
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/metadata/component/pedigree/ancestors/0/version", "value": zero}])
	contains(msg, "base image")
}
