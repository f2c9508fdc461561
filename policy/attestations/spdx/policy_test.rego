package signature

import rego.v1

# Test names are prefixed test_ or fixture_: conftest loads this file next to
# policy.rego, so a helper named like a policy rule would clash with it.
fixture_image := "8c0e1f048df47f6f707812cfff816d4a867dc81ba335c14f89d20c3c3618a394"

fixture_other_image := "278671c2e3e14cf7c3f6c5eb0f54359e7bf97bae87cb4b9314848fe42af94094"

fixture_base := "3ca8413bb001643a4a32dfd83b9f1b8a77b00ae436c63ef44c02880c245651c2"

fixture_zero := "0000000000000000000000000000000000000000000000000000000000000000"

# A release's SPDX statement as cosign attest signs it (testdata/allowed.json,
# trimmed): packages 0 main module, 1 zap, 2 stdlib, 3 the image, 4 its base;
# relationships 0 DESCRIBES, 1 DESCENDANT_OF, 2 CONTAINS.
fixture_good := {
	"_type": "https://in-toto.io/Statement/v0.1",
	"predicateType": "https://spdx.dev/Document",
	"subject": [{"name": "ghcr.io/product-catalog/product-catalog", "digest": {"sha256": fixture_image}}],
	"predicate": {
		"spdxVersion": "SPDX-2.3",
		"dataLicense": "CC0-1.0",
		"SPDXID": "SPDXRef-DOCUMENT",
		"name": "ghcr.io/product-catalog/product-catalog",
		"documentNamespace": "https://anchore.com/syft/image/ghcr.io/product-catalog/product-catalog-a242bd4b-9fe4-4d6a-a325-e602e3299a8f",
		"creationInfo": {"created": "2026-12-06T20:26:14Z", "creators": ["Organization: Anchore, Inc", "Tool: syft-1.57.1"]},
		"packages": [
			{"SPDXID": "SPDXRef-main", "name": "github.com/product-catalog/product-catalog", "versionInfo": "v1.4.0", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:golang/github.com/product-catalog/product-catalog@v1.4.0"}]},
			{"SPDXID": "SPDXRef-zap", "name": "go.uber.org/zap", "versionInfo": "v1.28.0", "checksums": [{"algorithm": "SHA256", "checksumValue": "219cda3f516fef7fd3fe904c2e4e15bad3e5dfab8d0be392521dc92c6dc5223a"}], "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:golang/go.uber.org/zap@v1.28.0"}]},
			{"SPDXID": "SPDXRef-stdlib", "name": "stdlib", "versionInfo": "go1.27.3", "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:golang:go:1.27.3:-:*:*:*:*:*:*"}, {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:golang/stdlib@1.27.3"}]},
			{"SPDXID": "SPDXRef-Image", "name": "ghcr.io/product-catalog/product-catalog", "versionInfo": concat("", ["sha256:", fixture_image]), "primaryPackagePurpose": "CONTAINER", "checksums": [{"algorithm": "SHA256", "checksumValue": fixture_image}], "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": concat("", ["pkg:oci/product-catalog@sha256%3A", fixture_image, "?arch=amd64&repository_url=ghcr.io/product-catalog/product-catalog"])}]},
			{"SPDXID": "SPDXRef-BaseImage", "name": "docker.io/library/alpine", "versionInfo": concat("", ["sha256:", fixture_base]), "primaryPackagePurpose": "CONTAINER", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": concat("", ["pkg:oci/alpine@sha256%3A", fixture_base, "?arch=amd64&repository_url=docker.io/library/alpine&tag=3.22"])}]},
		],
		"files": [{"SPDXID": "SPDXRef-File-binary", "fileName": "usr/src/app/product-catalog", "checksums": [{"algorithm": "SHA1", "checksumValue": "71d4aa6ba631368e45fc2b9273c8c984ef4edce8"}, {"algorithm": "SHA256", "checksumValue": "2bc1b8b8aec2c1c6efb93b81c3957ac955ddd0a5306877a27924b7c752c39ff6"}]}],
		"relationships": [
			{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Image"},
			{"spdxElementId": "SPDXRef-Image", "relationshipType": "DESCENDANT_OF", "relatedSpdxElement": "SPDXRef-BaseImage"},
			{"spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-File-binary"},
		],
	},
}

# An index, as sbom.sh writes it for ko: the document describes the index,
# which CONTAINS one image per platform, each DESCENDANT_OF its own base.
fixture_index := json.patch(fixture_good, [
	{"op": "replace", "path": "/subject/0/digest/sha256", "value": fixture_other_image},
	{"op": "add", "path": "/predicate/documentDescribes", "value": ["SPDXRef-Index"]},
	{"op": "add", "path": "/predicate/packages/-", "value": {"SPDXID": "SPDXRef-Index", "name": "ghcr.io/product-catalog/product-catalog", "versionInfo": concat("", ["sha256:", fixture_other_image]), "primaryPackagePurpose": "CONTAINER", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": concat("", ["pkg:oci/product-catalog@sha256%3A", fixture_other_image, "?repository_url=ghcr.io/product-catalog/product-catalog"])}]}},
	{"op": "replace", "path": "/predicate/relationships/0/relatedSpdxElement", "value": "SPDXRef-Index"},
	{"op": "add", "path": "/predicate/relationships/-", "value": {"spdxElementId": "SPDXRef-Index", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-Image"}},
])

fixture_denies(statement, reason) if {
	some msg in deny with input as statement
	contains(msg, reason)
}

fixture_set(path, value) := json.patch(fixture_good, [{"op": "replace", "path": path, "value": value}])

test_complete_sbom_allowed if {
	allow with input as fixture_good
}

test_index_sbom_allowed if {
	allow with input as fixture_index
}

test_index_platform_without_base_image if {
	bad := json.patch(fixture_index, [{"op": "remove", "path": "/predicate/relationships/1"}])
	fixture_denies(bad, "the base image is not listed by digest: SPDXRef-Image is DESCENDANT_OF no other")
}

test_sbom_of_another_image if {
	fixture_denies(fixture_set("/subject/0/digest/sha256", fixture_other_image), "the document DESCRIBES SPDXRef-Image, which is not the image the statement is attested on")
}

test_subject_digests if {
	every digest in [substring(fixture_image, 0, 63), upper(fixture_image), fixture_zero, ""] {
		fixture_denies(fixture_set("/subject/0/digest/sha256", digest), "subject digest is")
	}
}

test_wrong_spdx_version if {
	fixture_denies(fixture_set("/predicate/spdxVersion", "SPDX-2.2"), "spdxVersion is SPDX-2.2, want SPDX-2.3")
}

test_wrong_data_license if {
	fixture_denies(fixture_set("/predicate/dataLicense", "CC-BY-4.0"), "dataLicense is CC-BY-4.0")
}

test_no_stdlib if {
	fixture_denies(json.patch(fixture_good, [{"op": "remove", "path": "/predicate/packages/2"}]), "standard library")
}

test_no_main_module if {
	fixture_denies(json.patch(fixture_good, [{"op": "remove", "path": "/predicate/packages/0"}]), "main module")
}

test_module_without_version if {
	fixture_denies(fixture_set("/predicate/packages/1/versionInfo", ""), "Go package go.uber.org/zap has no version")
}

# get()'s "missing" would pass as a name or as the main module's version:
# those fields are read themselves.
test_document_without_name if {
	fixture_denies(json.remove(fixture_good, ["predicate/name"]), "the document's name is missing")
}

test_main_module_without_version if {
	fixture_denies(json.remove(fixture_good, ["predicate/packages/0/versionInfo"]), "Go package github.com/product-catalog/product-catalog has no version (missing)")
}

test_unversioned_main_module if {
	fixture_denies(fixture_set("/predicate/packages/0/versionInfo", "UNKNOWN"), "Go package github.com/product-catalog/product-catalog has no version (UNKNOWN)")
}

test_purl_of_another_version if {
	fixture_denies(fixture_set("/predicate/packages/2/externalRefs/1/referenceLocator", "pkg:golang/stdlib@1.30.0"), "Go package stdlib go1.27.3 has purls")
}

test_module_without_go_sum_hash if {
	fixture_denies(json.remove(fixture_good, ["predicate/packages/1/checksums"]), "Go module go.uber.org/zap v1.28.0 has no SHA256 checksum")
}

test_sha1_only if {
	fixture_denies(fixture_set("/predicate/files/0/checksums", [{"algorithm": "SHA1", "checksumValue": "71d4aa6ba631368e45fc2b9273c8c984ef4edce8"}]), "SPDXRef-File-binary has checksums but no SHA256")
}

test_duplicate_spdxid if {
	fixture_denies(fixture_set("/predicate/packages/1/SPDXID", "SPDXRef-main"), "SPDXID SPDXRef-main names 2 elements")
}

test_package_named_like_the_document if {
	fixture_denies(fixture_set("/predicate/packages/1/SPDXID", "SPDXRef-DOCUMENT"), "SPDXID SPDXRef-DOCUMENT names 2 elements")
}

test_describes_nothing if {
	fixture_denies(json.patch(fixture_good, [{"op": "remove", "path": "/predicate/relationships/0"}]), "the document DESCRIBES set(), want exactly one element")
}

# Last release's bypasses: a base image whose version is "sha256:" with no
# digest, and a DESCENDANT_OF from an element the document does not hold.
test_base_image_digest_empty if {
	fixture_denies(fixture_set("/predicate/packages/4/versionInfo", "sha256:"), "the base image is not listed by digest")
}

test_base_image_digest_zero if {
	fixture_denies(fixture_set("/predicate/packages/4/versionInfo", concat("", ["sha256:", fixture_zero])), "the base image is not listed by digest")
}

test_descendant_of_from_nowhere if {
	bad := fixture_set("/predicate/relationships/1/spdxElementId", "SPDXRef-Nowhere")
	fixture_denies(bad, "relationships[1].spdxElementId is SPDXRef-Nowhere")
	fixture_denies(bad, "the base image is not listed by digest")
}

# NOASSERTION and the document are names a relationship may use, but
# neither is the image.
test_descendant_of_from_noassertion_or_the_document if {
	every element in ["NOASSERTION", "NONE", "SPDXRef-DOCUMENT"] {
		fixture_denies(fixture_set("/predicate/relationships/1/spdxElementId", element), "the base image is not listed by digest")
	}
}

test_descendant_of_itself if {
	fixture_denies(fixture_set("/predicate/relationships/1/relatedSpdxElement", "SPDXRef-Image"), "the base image is not listed by digest")
}

test_relationship_to_nowhere if {
	bad := json.patch(fixture_good, [{"op": "add", "path": "/predicate/relationships/-", "value": {"spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-Ghost"}}])
	fixture_denies(bad, "relatedSpdxElement is SPDXRef-Ghost")
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
	"predicate",
])

test_document_fields_fail_closed if fixture_fails_closed_without([
	"predicate/spdxVersion",
	"predicate/dataLicense",
	"predicate/SPDXID",
	"predicate/name",
	"predicate/documentNamespace",
	"predicate/creationInfo",
])

test_module_fields_fail_closed if fixture_fails_closed_without([
	"predicate/packages",
	"predicate/packages/0/externalRefs",
	"predicate/packages/0/externalRefs/0/referenceCategory",
	"predicate/packages/1/versionInfo",
	"predicate/packages/1/checksums/0/checksumValue",
	"predicate/packages/2/versionInfo",
])

test_image_fields_fail_closed if fixture_fails_closed_without([
	"predicate/packages/3/SPDXID",
	"predicate/packages/3/primaryPackagePurpose",
	"predicate/packages/3/versionInfo",
	"predicate/packages/3/externalRefs",
	"predicate/packages/4/primaryPackagePurpose",
	"predicate/packages/4/versionInfo",
	"predicate/files/0/SPDXID",
	"predicate/files/0/checksums/1/algorithm",
])

test_relationship_fields_fail_closed if fixture_fails_closed_without([
	"predicate/relationships",
	"predicate/relationships/0/relationshipType",
	"predicate/relationships/1/spdxElementId",
	"predicate/relationships/1/relationshipType",
	"predicate/relationships/1/relatedSpdxElement",
])

# Each field, as the wrong type, is a denial too.
test_wrong_types_fail_closed if {
	every path in [
		"/subject",
		"/subject/0/digest",
		"/predicate/packages",
		"/predicate/packages/1",
		"/predicate/packages/1/checksums",
		"/predicate/packages/1/externalRefs",
		"/predicate/files",
		"/predicate/relationships",
		"/predicate/relationships/1",
		"/predicate/creationInfo/creators",
	] {
		not allow with input as fixture_set(path, "x")
	}
}
