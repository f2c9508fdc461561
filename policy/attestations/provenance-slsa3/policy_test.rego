package signature

import rego.v1

# Test names are prefixed test_ or fixture_: conftest loads this file next to
# policy.rego, so a helper named like a policy rule would clash with it.
fixture_commit := "584c560bc5e13a216cda628fc6cb18cdd698224b"

fixture_uri := "git+https://github.com/product-catalog/product-catalog@refs/tags/v1.4.0"

# testdata/allowed-tag.json, its event payload trimmed: what the generator
# signs for the Dockerfile image of the v1.4.0 release.
fixture_good := {
	"_type": "https://in-toto.io/Statement/v0.1",
	"predicateType": "https://slsa.dev/provenance/v0.2",
	"subject": [{"name": "ghcr.io/product-catalog/product-catalog", "digest": {"sha256": "8c0e1f048df47f6f707812cfff816d4a867dc81ba335c14f89d20c3c3618a394"}}],
	"predicate": {
		"builder": {"id": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0"},
		"buildType": "https://github.com/slsa-framework/slsa-github-generator/container@v1",
		"invocation": {
			"configSource": {"uri": fixture_uri, "digest": {"sha1": fixture_commit}, "entryPoint": ".github/workflows/ci.yml"},
			"environment": {
				"github_actor": "release-maintainer",
				"github_actor_id": "1000001",
				"github_base_ref": "",
				"github_event_name": "push",
				"github_event_payload": {"ref": "refs/tags/v1.4.0", "after": fixture_commit},
				"github_head_ref": "",
				"github_ref": "refs/tags/v1.4.0",
				"github_ref_type": "tag",
				"github_repository_id": "1000002",
				"github_repository_owner": "product-catalog",
				"github_repository_owner_id": "1000003",
				"github_run_attempt": "1",
				"github_run_id": "12345678901",
				"github_run_number": "42",
				"github_sha1": fixture_commit,
			},
		},
		"metadata": {
			"buildInvocationID": "12345678901-1",
			"completeness": {"parameters": true, "environment": false, "materials": false},
			"reproducible": false,
		},
		"materials": [{"uri": fixture_uri, "digest": {"sha1": fixture_commit}}],
	},
}

# A push to main, of the ko image.
fixture_main := json.patch(fixture_good, [
	{"op": "replace", "path": "/subject/0/name", "value": "ghcr.io/product-catalog/product-catalog-ko"},
	{"op": "replace", "path": "/predicate/invocation/configSource/uri", "value": "git+https://github.com/product-catalog/product-catalog@refs/heads/main"},
	{"op": "replace", "path": "/predicate/materials/0/uri", "value": "git+https://github.com/product-catalog/product-catalog@refs/heads/main"},
	{"op": "replace", "path": "/predicate/invocation/environment/github_ref", "value": "refs/heads/main"},
	{"op": "replace", "path": "/predicate/invocation/environment/github_ref_type", "value": "branch"},
])

fixture_denies(patch, reason) if {
	some msg in deny with input as json.patch(fixture_good, patch)
	contains(msg, reason)
}

test_release_tag_allowed if {
	allow with input as fixture_good
}

test_push_to_main_allowed if {
	allow with input as fixture_main
}

# The generator writes parameters only when the run has inputs or
# variables; repository variables alone are allowed, inputs are not.
test_vars_allowed if {
	allow with input as json.patch(fixture_good, [{"op": "add", "path": "/predicate/invocation/parameters", "value": {"vars": {"REGION": "eu"}}}])
}

test_event_inputs_denied if {
	fixture_denies([{"op": "add", "path": "/predicate/invocation/parameters", "value": {"event_inputs": {"ref": "main"}}}], "invocation.parameters is")
}

test_nothing_is_allowed if {
	not allow with input as {}
	count(deny) > 10 with input as {}
}

# Each field the policy reads, removed: refused, not waved through.
test_every_field_fails_closed if {
	every path in [
		"/_type", "/predicateType", "/subject", "/predicate/builder", "/predicate/buildType",
		"/predicate/invocation/configSource", "/predicate/invocation/configSource/uri",
		"/predicate/invocation/configSource/digest", "/predicate/invocation/configSource/entryPoint",
		"/predicate/invocation/environment", "/predicate/invocation/environment/github_ref",
		"/predicate/invocation/environment/github_ref_type", "/predicate/invocation/environment/github_sha1",
		"/predicate/invocation/environment/github_event_name", "/predicate/invocation/environment/github_head_ref",
		"/predicate/materials", "/predicate/metadata/buildInvocationID",
	] {
		not allow with input as json.patch(fixture_good, [{"op": "remove", "path": path}])
	}
}

test_builder_pinned_to_the_tag if {
	every id in [
		"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0",
		"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/heads/main",
		"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0-rc.3",
		"https://github.com/attacker/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0",
		"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0",
	] {
		fixture_denies([{"op": "replace", "path": "/predicate/builder/id", "value": id}], "builder is")
	}
}

test_release_refs_only if {
	every ref in ["refs/heads/dev", "refs/tags/latest", "refs/pull/1/merge", "refs/tags/v1.4.0\nx", "refs/heads/main/x"] {
		uri := concat("", ["git+https://github.com/product-catalog/product-catalog@", ref])
		fixture_denies(
			[
				{"op": "replace", "path": "/predicate/invocation/configSource/uri", "value": uri},
				{"op": "replace", "path": "/predicate/materials/0/uri", "value": uri},
				{"op": "replace", "path": "/predicate/invocation/environment/github_ref", "value": ref},
			],
			"invocation.configSource.uri is",
		)
	}
}

test_materials_must_be_the_source if {
	fixture_denies([{"op": "replace", "path": "/predicate/materials/0/uri", "value": "git+https://github.com/product-catalog/product-catalog@refs/heads/main"}], "materials is")
}
