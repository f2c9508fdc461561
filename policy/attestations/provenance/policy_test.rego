package signature

import rego.v1

# Test names are prefixed test_ or fixture_: conftest loads this file next to
# policy.rego, so a helper named like a policy rule would clash with it.
fixture_commit := "584c560bc5e13a216cda628fc6cb18cdd698224b"

fixture_repo := "https://github.com/product-catalog/product-catalog"

# A release's provenance as cosign attest signs it (testdata/allowed.json,
# trimmed): the Dockerfile build of v1.4.0 by the release workflow.
fixture_good := {
	"_type": "https://in-toto.io/Statement/v0.1",
	"subject": [{"name": "ghcr.io/product-catalog/product-catalog", "digest": {"sha256": "8c0e1f048df47f6f707812cfff816d4a867dc81ba335c14f89d20c3c3618a394"}}],
	"predicateType": "https://slsa.dev/provenance/v1",
	"predicate": {
		"buildDefinition": {
			"buildType": "https://github.com/product-catalog/product-catalog/blob/main/Dockerfile@v1",
			"externalParameters": {
				"platforms": ["linux/amd64", "linux/arm64"],
				"recipe": "Dockerfile",
				"source": {"commit": fixture_commit, "dirty": false, "ref": "refs/tags/v1.4.0", "repository": fixture_repo},
				"version": "v1.4.0",
			},
			"resolvedDependencies": [
				{"uri": "git+https://github.com/product-catalog/product-catalog@refs/tags/v1.4.0", "digest": {"gitCommit": fixture_commit}},
				{"name": "go.sum", "uri": concat("", [fixture_repo, "/blob/", fixture_commit, "/go.sum"]), "digest": {"sha256": "da7cec79f173ffb279dedc21b52acfbf14135a68745436a137b0ef0cf83e3f47"}},
				{"name": "Dockerfile", "uri": concat("", [fixture_repo, "/blob/", fixture_commit, "/Dockerfile"]), "digest": {"sha256": "3f0de4d7ab6e6f2824529dd550c26ca1fc8e2dc9312ebcfff2ca8c874c29ad7e"}},
				{"name": "base image", "uri": "pkg:oci/alpine@sha256%3A3ca8413bb001643a4a32dfd83b9f1b8a77b00ae436c63ef44c02880c245651c2?repository_url=docker.io/library/alpine&tag=3.22", "digest": {"sha256": "3ca8413bb001643a4a32dfd83b9f1b8a77b00ae436c63ef44c02880c245651c2"}},
				{"name": "builder image", "uri": "pkg:oci/golang@sha256%3Afce8350a525b5e41c5b7937eb7d8418b7dfec291909c310f5bee8db8a92921aa?repository_url=docker.io/library/golang&tag=1.27.3-alpine", "digest": {"sha256": "fce8350a525b5e41c5b7937eb7d8418b7dfec291909c310f5bee8db8a92921aa"}},
			],
		},
		"runDetails": {"builder": {"id": "https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags/v1.4.0"}},
	},
}

# The ko build of main: another build type, its own recipe, no builder image.
fixture_ko := json.patch(fixture_good, [
	{"op": "replace", "path": "/predicate/buildDefinition/buildType", "value": "https://github.com/product-catalog/product-catalog/blob/main/build/supply-chain/ko-build.sh@v1"},
	{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/recipe", "value": ".ko.yaml"},
	{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/2/name", "value": ".ko.yaml"},
	{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/2/uri", "value": concat("", [fixture_repo, "/blob/", fixture_commit, "/.ko.yaml"])},
	{"op": "remove", "path": "/predicate/buildDefinition/resolvedDependencies/4"},
	{"op": "replace", "path": "/predicate/runDetails/builder/id", "value": "https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main"},
])

fixture_denies(statement, reason) if {
	some msg in deny with input as statement
	contains(msg, reason)
}

fixture_with_builder(id) := json.patch(fixture_good, [{"op": "replace", "path": "/predicate/runDetails/builder/id", "value": id}])

test_release_provenance_allowed if {
	allow with input as fixture_good
}

test_ko_build_allowed if {
	allow with input as fixture_ko
}

# The builder id: exactly the release workflow, on main or a version tag.
test_release_workflow_builders_allowed if {
	every id in [
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags/v1.4.0",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags/v2.0.0-rc.1",
	] {
		allow with input as fixture_with_builder(id)
	}
}

test_other_builders_denied if {
	every id in [
		"urn:product-catalog:local-build:laptop",
		"",
		"https://github.com/someone/product-catalog/.github/workflows/ci.yml@refs/heads/main",
		"https://github.com/product-catalog/product-catalog/.github/workflows/release.yml@refs/heads/main",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/pull/42/merge",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/feature",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main-fix",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags/latest",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/tags/v1/../../x",
		"http://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main",
		"https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main\n",
	] {
		fixture_denies(fixture_with_builder(id), "runDetails.builder.id is")
	}
}

# Last release's bypass: a laptop's builder id, and every digest zeros.
test_laptop_builder_and_zero_digests if {
	zeros := json.patch(fixture_with_builder("urn:product-catalog:local-build:laptop"), [
		{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/source/commit", "value": "0000000000000000000000000000000000000000"},
		{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/0/digest/gitCommit", "value": "0000000000000000000000000000000000000000"},
		{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/1/digest/sha256", "value": "0000000000000000000000000000000000000000000000000000000000000000"},
		{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/3/digest/sha256", "value": "0000000000000000000000000000000000000000000000000000000000000000"},
	])
	fixture_denies(zeros, "runDetails.builder.id is urn:product-catalog:local-build:laptop")
	fixture_denies(zeros, "the source commit 0000000000000000000000000000000000000000 is not a full git commit id")
	fixture_denies(zeros, "resolvedDependencies[1] (go.sum) has digest")
	fixture_denies(zeros, "resolvedDependencies[3] (base image) has digest")
}

# build/supply-chain/test.sh greps make verify's output for this reason.
test_missing_source_repository if {
	fixture_denies(json.remove(fixture_good, ["predicate/buildDefinition/externalParameters/source/repository"]), "the source repository is missing")
}

# get()'s "missing" would pass as a version token: the field is read itself.
test_missing_version if {
	fixture_denies(json.remove(fixture_good, ["predicate/buildDefinition/externalParameters/version"]), "the version missing is not a version token")
}

test_foreign_build_type if {
	fixture_denies(json.patch(fixture_good, [{"op": "replace", "path": "/predicate/buildDefinition/buildType", "value": concat("", [fixture_repo, "/blob/main/other.sh@v1"])}]), "buildType is")
}

test_unknown_external_parameter if {
	fixture_denies(json.patch(fixture_good, [{"op": "add", "path": "/predicate/buildDefinition/externalParameters/buildArgs", "value": {}}]), "externalParameters has keys")
}

test_ko_build_with_dockerfile_recipe if {
	fixture_denies(json.patch(fixture_ko, [{"op": "replace", "path": "/predicate/buildDefinition/externalParameters/recipe", "value": "Dockerfile"}]), "the recipe is Dockerfile, want .ko.yaml")
}

test_dockerfile_build_needs_builder_image if {
	fixture_denies(json.remove(fixture_good, ["predicate/buildDefinition/resolvedDependencies/4"]), "no resolved dependency pins builder image")
}

test_unknown_digest_algorithm if {
	fixture_denies(json.patch(fixture_good, [{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/3/digest", "value": {"md5": "d41d8cd98f00b204e9800998ecf8427e"}}]), "(base image) has digest {\"md5\"")
}

test_source_pins_another_commit if {
	fixture_denies(json.patch(fixture_good, [{"op": "replace", "path": "/predicate/buildDefinition/resolvedDependencies/0/digest/gitCommit", "value": "d26db78c2e3a4b5f6a7b8c9d0e1f2a3b4c5d6e7f"}]), "the source dependency pins commit d26db78")
}

test_two_subjects if {
	fixture_denies(json.patch(fixture_good, [{"op": "add", "path": "/subject/-", "value": {"name": "ghcr.io/product-catalog/product-catalog", "digest": {"sha256": "278671c2e3e14cf7c3f6c5eb0f54359e7bf97bae87cb4b9314848fe42af94094"}}}]), "want exactly one")
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
	"predicate/buildDefinition/buildType",
	"predicate/runDetails/builder/id",
	"predicate/runDetails",
	"predicate/buildDefinition",
	"predicate",
])

test_parameter_fields_fail_closed if fixture_fails_closed_without([
	"predicate/buildDefinition/externalParameters/source/repository",
	"predicate/buildDefinition/externalParameters/source/commit",
	"predicate/buildDefinition/externalParameters/source/ref",
	"predicate/buildDefinition/externalParameters/source/dirty",
	"predicate/buildDefinition/externalParameters/source",
	"predicate/buildDefinition/externalParameters/recipe",
	"predicate/buildDefinition/externalParameters/version",
	"predicate/buildDefinition/externalParameters/platforms",
	"predicate/buildDefinition/externalParameters",
])

test_dependency_fields_fail_closed if fixture_fails_closed_without([
	"predicate/buildDefinition/resolvedDependencies",
	"predicate/buildDefinition/resolvedDependencies/0/uri",
	"predicate/buildDefinition/resolvedDependencies/0/digest",
	"predicate/buildDefinition/resolvedDependencies/1/name",
	"predicate/buildDefinition/resolvedDependencies/1/uri",
	"predicate/buildDefinition/resolvedDependencies/1/digest/sha256",
	"predicate/buildDefinition/resolvedDependencies/2/name",
	"predicate/buildDefinition/resolvedDependencies/3/uri",
	"predicate/buildDefinition/resolvedDependencies/3/digest",
	"predicate/buildDefinition/resolvedDependencies/4/name",
])

# Each field, as the wrong type, is a denial too.
test_wrong_types_fail_closed if {
	every path in [
		"/subject",
		"/subject/0/digest",
		"/predicate/buildDefinition/externalParameters/source",
		"/predicate/buildDefinition/externalParameters/source/dirty",
		"/predicate/buildDefinition/externalParameters/platforms",
		"/predicate/buildDefinition/resolvedDependencies",
		"/predicate/buildDefinition/resolvedDependencies/1/digest",
		"/predicate/runDetails/builder/id",
	] {
		not allow with input as json.patch(fixture_good, [{"op": "replace", "path": path, "value": "false"}])
	}
}
