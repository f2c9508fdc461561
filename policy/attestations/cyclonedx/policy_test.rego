package signature

import rego.v1

# Test names are prefixed test_ or fixture_: conftest loads this file next to
# policy.rego, so a helper named like a policy rule would clash with it.
fixture_image := "8c0e1f048df47f6f707812cfff816d4a867dc81ba335c14f89d20c3c3618a394"

fixture_other_image := "278671c2e3e14cf7c3f6c5eb0f54359e7bf97bae87cb4b9314848fe42af94094"

fixture_base := "3ca8413bb001643a4a32dfd83b9f1b8a77b00ae436c63ef44c02880c245651c2"

fixture_zero := "0000000000000000000000000000000000000000000000000000000000000000"

# A release's CycloneDX statement as cosign attest signs it
# (testdata/allowed.json, trimmed): components 0 main module, 1 zap,
# 2 stdlib, 3 the binary.
fixture_good := {
	"_type": "https://in-toto.io/Statement/v0.1",
	"predicateType": "https://cyclonedx.org/bom",
	"subject": [{"name": "ghcr.io/product-catalog/product-catalog", "digest": {"sha256": fixture_image}}],
	"predicate": {
		"bomFormat": "CycloneDX",
		"specVersion": "1.6",
		"serialNumber": "urn:uuid:c1b95698-7f95-4910-8662-108d3352918c",
		"metadata": {"component": {
			"bom-ref": "image",
			"type": "container",
			"name": "ghcr.io/product-catalog/product-catalog",
			"version": concat("", ["sha256:", fixture_image]),
			"purl": concat("", ["pkg:oci/product-catalog@sha256%3A", fixture_image, "?arch=amd64&repository_url=ghcr.io/product-catalog/product-catalog"]),
			"hashes": [{"alg": "SHA-256", "content": fixture_image}],
			"pedigree": {"ancestors": [{
				"bom-ref": "base-image",
				"type": "container",
				"name": "docker.io/library/alpine",
				"version": concat("", ["sha256:", fixture_base]),
				"purl": concat("", ["pkg:oci/alpine@sha256%3A", fixture_base, "?arch=amd64&repository_url=docker.io/library/alpine&tag=3.22"]),
			}]},
		}},
		"components": [
			{"bom-ref": "main", "type": "library", "name": "github.com/product-catalog/product-catalog", "version": "v1.4.0", "purl": "pkg:golang/github.com/product-catalog/product-catalog@v1.4.0"},
			{"bom-ref": "zap", "type": "library", "name": "go.uber.org/zap", "version": "v1.28.0", "purl": "pkg:golang/go.uber.org/zap@v1.28.0"},
			{"bom-ref": "stdlib", "type": "library", "name": "stdlib", "version": "go1.27.3", "purl": "pkg:golang/stdlib@1.27.3"},
			{"bom-ref": "binary", "type": "file", "name": "/usr/src/app/product-catalog", "hashes": [{"alg": "SHA-1", "content": "71d4aa6ba631368e45fc2b9273c8c984ef4edce8"}, {"alg": "SHA-256", "content": "2bc1b8b8aec2c1c6efb93b81c3957ac955ddd0a5306877a27924b7c752c39ff6"}]},
		],
		"dependencies": [{"ref": "image", "dependsOn": ["main"]}, {"ref": "main", "dependsOn": ["zap", "stdlib"]}],
	},
}

fixture_denies(statement, reason) if {
	some msg in deny with input as statement
	contains(msg, reason)
}

fixture_set(path, value) := json.patch(fixture_good, [{"op": "replace", "path": path, "value": value}])

test_complete_sbom_allowed if {
	allow with input as fixture_good
}

# An index, as sbom.sh writes it for ko: metadata.component is the index, a
# container component per platform, their base images as its ancestors.
test_index_sbom_allowed if {
	index := json.patch(fixture_good, [
		{"op": "replace", "path": "/subject/0/digest/sha256", "value": fixture_other_image},
		{"op": "replace", "path": "/predicate/metadata/component/version", "value": concat("", ["sha256:", fixture_other_image])},
		{"op": "replace", "path": "/predicate/metadata/component/hashes/0/content", "value": fixture_other_image},
		{"op": "replace", "path": "/predicate/metadata/component/purl", "value": concat("", ["pkg:oci/product-catalog@sha256%3A", fixture_other_image, "?repository_url=ghcr.io/product-catalog/product-catalog"])},
		{"op": "add", "path": "/predicate/components/-", "value": {
			"bom-ref": "linux/amd64", "type": "container", "name": "ghcr.io/product-catalog/product-catalog",
			"version": concat("", ["sha256:", fixture_image]),
			"purl": concat("", ["pkg:oci/product-catalog@sha256%3A", fixture_image, "?arch=amd64&repository_url=ghcr.io/product-catalog/product-catalog"]),
			"hashes": [{"alg": "SHA-256", "content": fixture_image}],
		}},
	])
	allow with input as index
}

test_sbom_of_another_image if {
	fixture_denies(fixture_set("/subject/0/digest/sha256", fixture_other_image), "metadata.component is container sha256:8c0e1f04")
}

test_subject_digests if {
	every digest in [substring(fixture_image, 0, 63), upper(fixture_image), fixture_zero, ""] {
		fixture_denies(fixture_set("/subject/0/digest/sha256", digest), "subject digest is")
	}
}

test_not_cyclonedx if {
	fixture_denies(fixture_set("/predicate/bomFormat", "SPDX"), "bomFormat is SPDX")
}

# Last release's bypass, an older CycloneDX; and a newer one, which common
# consumers do not read yet; and 1.6 as a number, not the string.
test_spec_versions if {
	fixture_denies(fixture_set("/predicate/specVersion", "1.2"), "specVersion is \"1.2\", want \"1.6\"")
	fixture_denies(fixture_set("/predicate/specVersion", "1.5"), "specVersion is \"1.5\", want \"1.6\"")
	fixture_denies(fixture_set("/predicate/specVersion", "1.7"), "specVersion is \"1.7\", want \"1.6\"")
	fixture_denies(fixture_set("/predicate/specVersion", 1.6), "specVersion is 1.6, want \"1.6\"")
}

test_no_stdlib if {
	fixture_denies(json.patch(fixture_good, [{"op": "remove", "path": "/predicate/components/2"}]), "standard library")
}

test_module_without_version if {
	fixture_denies(json.remove(fixture_good, ["predicate/components/1/version"]), "Go component go.uber.org/zap has no version")
}

# get()'s "missing" would pass as the main module's version: the field is
# read itself.
test_main_module_without_version if {
	fixture_denies(json.remove(fixture_good, ["predicate/components/0/version"]), "Go component github.com/product-catalog/product-catalog has no version (missing)")
}

test_unversioned_main_module if {
	fixture_denies(fixture_set("/predicate/components/0/version", "UNKNOWN"), "Go component github.com/product-catalog/product-catalog has no version (UNKNOWN)")
}

test_purl_of_another_version if {
	fixture_denies(fixture_set("/predicate/components/2/purl", "pkg:golang/stdlib@1.30.0"), "Go component stdlib go1.27.3 has purl pkg:golang/stdlib@1.30.0")
}

test_no_base_image if {
	fixture_denies(json.remove(fixture_good, ["predicate/metadata/component/pedigree"]), "the base image is not listed by digest")
}

# Last release's bypass: a base image "version" that is no digest at all,
# or all zeros; and the image's own digest.
test_base_image_digests if {
	every version in ["sha256:", concat("", ["sha256:", fixture_zero]), "3.22", concat("", ["sha256:", fixture_image])] {
		fixture_denies(fixture_set("/predicate/metadata/component/pedigree/ancestors/0/version", version), "the base image is not listed by digest")
	}
}

test_sha1_only if {
	fixture_denies(fixture_set("/predicate/components/3/hashes", [{"alg": "SHA-1", "content": "71d4aa6ba631368e45fc2b9273c8c984ef4edce8"}]), "binary has hashes but no SHA-256")
}

test_duplicate_bom_ref if {
	fixture_denies(fixture_set("/predicate/components/1/bom-ref", "main"), "bom-ref main names 2 elements")
}

test_dependency_to_nowhere if {
	fixture_denies(fixture_set("/predicate/dependencies/1/dependsOn", ["zap", "ghost"]), "dependencies[1] names ghost")
}

# Each field the policy reads, removed, is a denial (in groups: conftest
# gives each test five seconds).
fixture_fails_closed_without(paths) if {
	every path in paths {
		not allow with input as json.remove(fixture_good, [path])
	}
}

test_statement_fields_fail_closed if fixture_fails_closed_without([
	"_type",
	"predicateType",
	"subject",
	"subject/0/digest",
	"subject/0/name",
	"predicate/bomFormat",
	"predicate/specVersion",
	"predicate/serialNumber",
	"predicate",
])

test_component_fields_fail_closed if fixture_fails_closed_without([
	"predicate/components",
	"predicate/components/0/purl",
	"predicate/components/0/version",
	"predicate/components/1/version",
	"predicate/components/2/version",
	"predicate/components/3/hashes/1/alg",
	"predicate/dependencies/0/ref",
])

test_image_fields_fail_closed if fixture_fails_closed_without([
	"predicate/metadata/component/bom-ref",
	"predicate/metadata/component/type",
	"predicate/metadata/component/version",
	"predicate/metadata/component/hashes",
	"predicate/metadata/component/purl",
	"predicate/metadata/component/pedigree/ancestors",
	"predicate/metadata/component/pedigree/ancestors/0/type",
	"predicate/metadata/component/pedigree/ancestors/0/version",
	"predicate/metadata/component/pedigree/ancestors/0/purl",
	"predicate/metadata",
])

# Each field, as the wrong type, is a denial too.
test_wrong_types_fail_closed if {
	every path in [
		"/subject",
		"/subject/0/digest",
		"/predicate/components",
		"/predicate/components/1",
		"/predicate/components/3/hashes",
		"/predicate/metadata/component",
		"/predicate/metadata/component/pedigree/ancestors",
		"/predicate/dependencies",
		"/predicate/dependencies/1/dependsOn",
	] {
		not allow with input as fixture_set(path, "x")
	}
}
