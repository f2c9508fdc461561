package signature

import rego.v1

commit := "90f6ca548a04696bda0ea25ab9ded14fbe65504e"

good := {
	"predicateType": "https://slsa.dev/provenance/v1",
	"predicate": {
		"buildDefinition": {
			"buildType": "https://github.com/product-catalog/product-catalog/blob/main/build/supply-chain/ko-build.sh@v1",
			"externalParameters": {"source": {"repository": "https://github.com/product-catalog/product-catalog", "commit": commit}},
			"resolvedDependencies": [
				{"uri": "git+https://github.com/product-catalog/product-catalog@refs/heads/main", "digest": {"gitCommit": commit}},
				{"name": "go.sum", "digest": {"sha256": "5f79300a2eab59c5d4e1d3e246d07bfe79b2c1ef68aa698fbbc989ad7c83d2e5"}},
				{"name": "base image", "digest": {"sha256": "66e9272003043e58326e4aec4dc2023ff0b0c432ce9b4385710a36c7afe5da59"}},
			],
		},
		"runDetails": {"builder": {"id": "https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main"}},
	},
}

test_good_provenance_allowed if {
	allow with input as good
}

test_other_repository if {
	bad := json.patch(good, [{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/source/repository", "value": "https://github.com/someone/fork"}])
	some msg in deny with input as bad
	contains(msg, "source repository is https://github.com/someone/fork")
}

test_foreign_build_type if {
	bad := json.patch(good, [{"op": "replace", "path": "/predicate/buildDefinition/buildType", "value": "https://example.com/build@v1"}])
	some msg in deny with input as bad
	contains(msg, "buildType")
}

test_short_commit if {
	bad := json.patch(good, [{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/source/commit", "value": "90f6ca5"}])
	some msg in deny with input as bad
	contains(msg, "full git commit")
}

test_go_sum_not_pinned if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/buildDefinition/resolvedDependencies/1"}])
	contains(msg, "go.sum")
}

test_base_image_not_pinned if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/buildDefinition/resolvedDependencies/2"}])
	contains(msg, "base image")
}

test_no_builder if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/runDetails"}])
	contains(msg, "builder.id")
}

# Each field the policy reads, removed, is a denial.
test_missing_fields_fail_closed if {
	every path in [
		"predicateType",
		"predicate/buildDefinition/buildType",
		"predicate/buildDefinition/externalParameters/source/repository",
		"predicate/buildDefinition/externalParameters/source/commit",
		"predicate/buildDefinition/externalParameters/source",
		"predicate/buildDefinition/externalParameters",
		"predicate/buildDefinition/resolvedDependencies",
		"predicate/buildDefinition/resolvedDependencies/0/digest",
		"predicate/buildDefinition/resolvedDependencies/1/name",
		"predicate/buildDefinition/resolvedDependencies/1/digest/sha256",
		"predicate/buildDefinition/resolvedDependencies/2/name",
		"predicate/buildDefinition/resolvedDependencies/2/digest",
		"predicate/runDetails/builder/id",
		"predicate/runDetails",
		"predicate/buildDefinition",
		"predicate",
	] {
		not allow with input as json.remove(good, [path])
		count(deny) > 0 with input as json.remove(good, [path])
	}
}

# Last release's bypass: all-zero digests (and others no verifier can use).
test_zero_digests if {
	zeros := json.patch(good, [
		{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/1/digest/sha256", "value": "0000000000000000000000000000000000000000000000000000000000000000"},
	])
	some msg in deny with input as zeros
	contains(msg, "resolvedDependencies[1] has digest sha256 0000")
}

test_zero_commit if {
	zero := "0000000000000000000000000000000000000000"
	bad := json.patch(good, [
		{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/source/commit", "value": zero},
		{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/0/digest/gitCommit", "value": zero},
	])
	some msg in deny with input as bad
	contains(msg, "resolvedDependencies[0] has digest gitCommit 0000")
}

test_unknown_digest_algorithm if {
	some msg in deny with input as json.patch(good, [{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/2/digest", "value": {"md5": "d41d8cd98f00b204e9800998ecf8427e"}}])
	contains(msg, "digest md5")
}

test_dependency_without_digest if {
	some msg in deny with input as json.patch(good, [{"op": "remove", "path": "/predicate/buildDefinition/resolvedDependencies/2/digest"}])
	contains(msg, "resolvedDependencies[2] has digest missing")
}
