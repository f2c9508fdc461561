package signature

import rego.v1

good := {
	"predicateType": "https://spdx.dev/Document",
	"predicate": {
		"spdxVersion": "SPDX-2.3",
		"packages": [
			{"SPDXID": "SPDXRef-Root", "name": "registry/product-catalog", "versionInfo": "sha256:aa", "primaryPackagePurpose": "CONTAINER"},
			{"SPDXID": "SPDXRef-main", "name": "github.com/product-catalog/product-catalog", "versionInfo": "v1.2.3", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/github.com/product-catalog/product-catalog@v1.2.3"}]},
			{"SPDXID": "SPDXRef-zap", "name": "go.uber.org/zap", "versionInfo": "v1.28.0", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/go.uber.org/zap@v1.28.0"}]},
			{"SPDXID": "SPDXRef-std", "name": "stdlib", "versionInfo": "go1.22.12", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:golang/stdlib@1.22.12"}]},
			{"SPDXID": "SPDXRef-BaseImage", "name": "gcr.io/distroless/static", "versionInfo": "sha256:bb", "primaryPackagePurpose": "CONTAINER"},
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
