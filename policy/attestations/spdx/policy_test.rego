package signature

import rego.v1

good := {
	"predicateType": "https://spdx.dev/Document",
	"predicate": {
		"spdxVersion": "SPDX-2.3",
		"packages": [
			{"SPDXID": "SPDXRef-Root", "name": "registry/product-catalog", "versionInfo": "sha256:5f79300a2eab59c5d4e1d3e246d07bfe79b2c1ef68aa698fbbc989ad7c83d2e5", "primaryPackagePurpose": "CONTAINER"},
			{"SPDXID": "SPDXRef-main", "name": "github.com/product-catalog/product-catalog", "versionInfo": "v1.2.3", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/github.com/product-catalog/product-catalog@v1.2.3"}]},
			{"SPDXID": "SPDXRef-zap", "name": "go.uber.org/zap", "versionInfo": "v1.28.0", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/go.uber.org/zap@v1.28.0"}]},
			{"SPDXID": "SPDXRef-std", "name": "stdlib", "versionInfo": "go1.22.12", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/stdlib@1.22.12"}]},
			{"SPDXID": "SPDXRef-BaseImage", "name": "gcr.io/distroless/static", "versionInfo": "sha256:66e9272003043e58326e4aec4dc2023ff0b0c432ce9b4385710a36c7afe5da59", "primaryPackagePurpose": "CONTAINER"},
		],
		"relationships": [{"spdxElementId": "SPDXRef-Root", "relationshipType": "DESCENDANT_OF", "relatedSpdxElement": "SPDXRef-BaseImage"}],
	},
}

test_complete_sbom_allowed if {
	allow with input as good
}

test_wrong_spdx_version if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/spdxVersion", "value": "SPDX-2.2"}])
	contains(msg, "want SPDX-2.3")
}

test_no_stdlib if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/packages/3"}])
	contains(msg, "standard library")
}

test_no_main_module if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/packages/1"}])
	contains(msg, "main module")
}

test_module_without_version if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/packages/2/versionInfo", "value": ""}])
	contains(msg, "go.uber.org/zap has no version")
}

test_no_base_image if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/relationships", "value": []}])
	contains(msg, "base image")
	not allow with input as json.patch(good, [{"op": "replace", "path": "/predicate/relationships", "value": []}])
}

# Each field the policy reads, removed, is a denial.
test_missing_fields_fail_closed if {
	every path in [
		"predicateType",
		"predicate/spdxVersion",
		"predicate/packages",
		"predicate/packages/1/externalRefs",
		"predicate/packages/2/versionInfo",
		"predicate/packages/3/versionInfo",
		"predicate/packages/4/primaryPackagePurpose",
		"predicate/packages/4/versionInfo",
		"predicate/relationships",
		"predicate/relationships/0/relationshipType",
		"predicate/relationships/0/relatedSpdxElement",
		"predicate",
	] {
		not allow with input as json.remove(good, [path])
		count(deny) > 0 with input as json.remove(good, [path])
	}
}

test_unversioned_main_module if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/packages/1/versionInfo", "value": "UNKNOWN"}])
	contains(msg, "github.com/product-catalog/product-catalog has no version")
}

# Last release's bypasses: a base image whose version is "sha256:" with no
# digest, and a DESCENDANT_OF from an element the document does not hold.
test_base_image_digest_empty if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/packages/4/versionInfo", "value": "sha256:"}])
	contains(msg, "base image")
}

test_base_image_digest_zero if {
	zero := concat("", ["sha256:", "0000000000000000000000000000000000000000000000000000000000000000"])
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/packages/4/versionInfo", "value": zero}])
	contains(msg, "base image")
}

test_descendant_of_from_nowhere if {
	bad := json.patch(good, [{"op": "replace", "path": "/predicate/relationships/0/spdxElementId", "value": "SPDXRef-Nowhere"}])
	some msg in deny with input as bad
	contains(msg, "relationships[0].spdxElementId is SPDXRef-Nowhere")
	some base in deny with input as bad
	contains(base, "base image")
}

test_relationship_to_nowhere if {
	some msg in deny with input as json.patch(good, [{"op": "add", "path": "/predicate/relationships/-", "value": {"spdxElementId": "SPDXRef-Root", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-Ghost"}}])
	contains(msg, "relatedSpdxElement is SPDXRef-Ghost")
}
