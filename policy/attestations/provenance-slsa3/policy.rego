# The SLSA Build L3 provenance of a product-catalog image: the statement
# that slsa-framework/slsa-github-generator's container workflow
# (generator_container_slsa3.yml), called by our release workflow, signs
# with its own identity and attaches to the pushed digest (`cosign attest
# --type slsaprovenance`, predicate type https://slsa.dev/provenance/v0.2).
#
# The shape is the generator's at v2.1.0, field for field:
#   - slsa-github-generator v2.1.0, slsa/provenance.go (builder.id from the
#     OIDC token's job_workflow_ref, buildType, invocation, materials,
#     metadata), slsa/buildtype.go (the environment keys, configSource,
#     materials, buildInvocationID "<run_id>-<run_attempt>"),
#     github/workflow.go (RepositoryURI: git+<server>/<owner>/<repo>@<ref>),
#     internal/builders/container/main.go (the build type);
#   - a real statement that v2.1.0 signed: slsa-verifier v2.7.1,
#     cli/slsa-verifier/testdata/gha_generic_container/v2.1.0/ (testdata/
#     README.md says which of its values we replaced with ours).
#
# The generator's signing identity is the same for every repository that
# calls it, so what binds a statement to us is what the generator wrote
# from the run that called it: our repository and release ref in
# configSource and materials, our workflow as entryPoint, a push event.
# Every field is checked positively; a missing field, another type or a
# key the generator does not write is refused like a wrong value.
#
# cosign verify-attestation --policy reads this file (Rego v0 with
# rego.v1, data.signature.allow); conftest reads deny for the reasons.
#
# What cosign hands this policy is not the statement as signed. It decodes
# the verified payload into an in-toto Statement and marshals that again
# (cosign pkg/policy/attestation.go, AttestationToPayloadJSON); only the
# predicate comes through whole. Of the statement around it, cosign v2
# keeps _type, predicateType and each subject's name and digest (it parses
# into in-toto-golang's in_toto.Statement, which drops any other top-level
# or subject key without a word); cosign v3 (v3.1.3 here) parses into the
# in-toto attestation framework's v1 Statement, whose parser refuses a key
# it does not know, so such a statement fails verification with cosign's
# error, not this policy's reasons. Either way the rules below on the
# statement's own keys ("the statement has keys", "subject has keys") take
# effect only where conftest reads the raw statement: the fixtures of make
# test-policy (verify.sh runs conftest on the raw payloads too, but only to
# name the reasons once cosign has refused).
#
# Ask for the predicate type by its URI, --type
# https://slsa.dev/provenance/v0.2: the short name slsaprovenance would
# re-encode the predicate too, through in-toto-golang's SLSA v0.2 struct,
# and drop predicate keys this policy must see.
package signature

import rego.v1

source_repository := "https://github.com/product-catalog/product-catalog"

# The generator at the one tag .github/workflows/ci.yml calls it by (a tag,
# as the generator requires). A bump edits ci.yml, policy/workflow, this
# line and policy/admission together; build/test-policy.sh holds them to
# one version.
generator := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0"

build_type := "https://github.com/slsa-framework/slsa-github-generator/container@v1"

statement_type := "https://in-toto.io/Statement/v0.1"

predicate_type := "https://slsa.dev/provenance/v0.2"

# The images the release workflow pushes and hands to the generator.
images := {"ghcr.io/product-catalog/product-catalog", "ghcr.io/product-catalog/product-catalog-ko"}

entry_point := ".github/workflows/ci.yml"

# configSource.uri and materials[0].uri: this repository at main or a
# version tag, the tag's name as the release gate allows it.
source_uri_pattern := `^git\+https://github\.com/product-catalog/product-catalog@refs/(heads/main|tags/v[0-9][0-9A-Za-z._+-]{0,126})$`

# slsa/buildtype.go's Invocation writes each of these, empty or not.
environment_keys := {
	"github_actor", "github_actor_id", "github_base_ref", "github_event_name",
	"github_event_payload", "github_head_ref", "github_ref", "github_ref_type",
	"github_repository_id", "github_repository_owner", "github_repository_owner_id",
	"github_run_attempt", "github_run_id", "github_run_number", "github_sha1",
}

default allow := false

allow if count(deny) == 0

# field() gives "missing" for an absent field, so that a comparison with it
# is false rather than undefined (an undefined comparison never denies).
field(path) := object.get(input, path, "missing")

get(x, key, otherwise) := object.get(x, key, otherwise) if is_object(x)

get(x, _, otherwise) := otherwise if not is_object(x)

keys(x) := object.keys(x) if is_object(x)

keys(x) := sprintf("none (%v is not an object)", [x]) if not is_object(x)

real_hex(value, length) if {
	regex.match(sprintf("^[0-9a-f]{%d}$", [length]), value)
	not regex.match(`^0+$`, value)
}

# --- The statement, and the image it is about.

deny contains sprintf("_type is %v, want %s", [field(["_type"]), statement_type]) if {
	field(["_type"]) != statement_type
}

deny contains sprintf("predicateType is %v, want %s (the container generator's)", [field(["predicateType"]), predicate_type]) if {
	field(["predicateType"]) != predicate_type
}

deny contains sprintf("the statement has keys %v, want exactly _type, predicate, predicateType, subject", [keys(input)]) if {
	keys(input) != {"_type", "predicate", "predicateType", "subject"}
}

# cosign accepts a statement when any subject is the image being verified;
# the generator names exactly the one digest it was given.
deny contains sprintf("subject is %v, want exactly one: the image the generator attested", [field(["subject"])]) if {
	not one_subject
}

one_subject if {
	is_array(input.subject)
	count(input.subject) == 1
}

subject := input.subject[0] if one_subject

deny contains sprintf("subject has keys %v, want exactly digest, name", [keys(subject)]) if {
	keys(subject) != {"digest", "name"}
}

deny contains sprintf("subject name is %v, want one of %v", [get(subject, "name", "missing"), images]) if {
	one_subject
	not get(subject, "name", "missing") in images
}

deny contains sprintf("subject digest is %v, want only sha256: 64 lowercase hex, not all zeros", [get(subject, "digest", "missing")]) if {
	one_subject
	not sha256_only(get(subject, "digest", "missing"))
}

sha256_only(d) if {
	is_object(d)
	object.keys(d) == {"sha256"}
	real_hex(d.sha256, 64)
}

# --- Who built it: the generator, at the tag we call it by.

predicate := field(["predicate"])

deny contains sprintf("predicate has keys %v, want exactly builder, buildType, invocation, materials, metadata (what the generator writes)", [keys(predicate)]) if {
	keys(predicate) != {"builder", "buildType", "invocation", "materials", "metadata"}
}

deny contains sprintf("builder is %v, want exactly {\"id\": %q}: the container generator's reusable workflow at the tag ci.yml calls", [get(predicate, "builder", "missing"), generator]) if {
	get(predicate, "builder", "missing") != {"id": generator}
}

deny contains sprintf("buildType is %v, want %s", [get(predicate, "buildType", "missing"), build_type]) if {
	get(predicate, "buildType", "missing") != build_type
}

# --- What ran: our release workflow, for a push to main or a version tag.

invocation := get(predicate, "invocation", "missing")

# parameters is written only when the run had inputs or variables: a push
# has no inputs, and the `vars` of the repository reach no step of ci.yml
# (policy/workflow allows no vars context), so vars alone may appear.
deny contains sprintf("invocation has keys %v, want configSource, environment and at most parameters", [keys(invocation)]) if {
	not invocation_keys_allowed
}

invocation_keys_allowed if {
	is_object(invocation)
	required := {"configSource", "environment"}
	object.keys(invocation) & required == required
	(object.keys(invocation) - required) - {"parameters"} == set()
}

deny contains sprintf("invocation.parameters is %v, want only vars: workflow inputs (event_inputs) come from whoever dispatched the run", [invocation.parameters]) if {
	is_object(invocation)
	"parameters" in object.keys(invocation)
	not vars_only(invocation.parameters)
}

vars_only(p) if {
	is_object(p)
	object.keys(p) - {"vars"} == set()
	every _, v in object.get(p, "vars", {}) {
		is_string(v)
	}
	is_object(object.get(p, "vars", {}))
}

config_source := get(invocation, "configSource", "missing")

deny contains sprintf("invocation.configSource has keys %v, want exactly digest, entryPoint, uri", [keys(config_source)]) if {
	keys(config_source) != {"digest", "entryPoint", "uri"}
}

source_uri := get(config_source, "uri", "missing")

deny contains sprintf("invocation.configSource.uri is %v, want git+%s@refs/heads/main or @refs/tags/v*", [source_uri, source_repository]) if {
	not regex.match(source_uri_pattern, source_uri)
}

commit := get(get(config_source, "digest", "missing"), "sha1", "missing")

deny contains sprintf("invocation.configSource.digest is %v, want exactly {\"sha1\": <the commit, 40 lowercase hex, not all zeros>}", [get(config_source, "digest", "missing")]) if {
	not commit_digest(get(config_source, "digest", "missing"))
}

commit_digest(d) if {
	is_object(d)
	object.keys(d) == {"sha1"}
	real_hex(d.sha1, 40)
}

deny contains sprintf("invocation.configSource.entryPoint is %v, want %s (the workflow that releases)", [get(config_source, "entryPoint", "missing"), entry_point]) if {
	get(config_source, "entryPoint", "missing") != entry_point
}

# The ref the generator's run was for, from configSource.uri.
# Always defined, so that the checks below compare with something.
ref := substring(source_uri, count("git+https://github.com/product-catalog/product-catalog@"), -1) if {
	regex.match(source_uri_pattern, source_uri)
} else := "(none: configSource.uri names no release ref)"

ref_type := "branch" if {
	startswith(ref, "refs/heads/")
} else := "tag" if {
	startswith(ref, "refs/tags/")
} else := "(none)"

environment := get(invocation, "environment", "missing")

env(name) := get(environment, name, "missing")

deny contains sprintf("invocation.environment has keys %v, want exactly %v", [keys(environment), environment_keys]) if {
	keys(environment) != environment_keys
}

deny contains sprintf("invocation.environment.github_event_name is %v, want push: releases run only on a push to main or a version tag", [env("github_event_name")]) if {
	env("github_event_name") != "push"
}

deny contains sprintf("invocation.environment.github_ref is %v, want %v, the ref of configSource.uri", [env("github_ref"), ref]) if {
	env("github_ref") != ref
}

deny contains sprintf("invocation.environment.github_ref_type is %v, want %v for %v", [env("github_ref_type"), ref_type, ref]) if {
	env("github_ref_type") != ref_type
}

deny contains sprintf("invocation.environment.github_sha1 is %v, want the commit of configSource.digest (%v)", [env("github_sha1"), commit]) if {
	env("github_sha1") != commit
}

deny contains sprintf("invocation.environment.%s is %v, want empty: it is set only for pull requests", [name, env(name)]) if {
	some name in ["github_base_ref", "github_head_ref"]
	env(name) != ""
}

deny contains sprintf("invocation.environment.github_repository_owner is %v, want product-catalog", [env("github_repository_owner")]) if {
	env("github_repository_owner") != "product-catalog"
}

deny contains sprintf("invocation.environment.%s is %v, want a decimal number as a string", [name, env(name)]) if {
	some name in [
		"github_actor_id", "github_repository_id", "github_repository_owner_id",
		"github_run_attempt", "github_run_id", "github_run_number",
	]
	not regex.match(`^[1-9][0-9]*$`, env(name))
}

deny contains sprintf("invocation.environment.github_actor is %v, want a GitHub login", [env("github_actor")]) if {
	not regex.match(`^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$`, env("github_actor"))
}

deny contains sprintf("invocation.environment.github_event_payload is %v, want the push event as an object", [env("github_event_payload")]) if {
	not is_object(env("github_event_payload"))
}

# --- What it was built from: the one source the generator records.

materials := get(predicate, "materials", "missing")

deny contains sprintf("materials is %v, want exactly [{\"uri\": <configSource.uri>, \"digest\": {\"sha1\": <configSource's commit>}}]", [materials]) if {
	not materials == [{"uri": source_uri, "digest": {"sha1": commit}}]
}

# --- The run: its id, and the generator's own claims about the record.

metadata := get(predicate, "metadata", "missing")

deny contains sprintf("metadata has keys %v, want exactly buildInvocationID, completeness, reproducible", [keys(metadata)]) if {
	keys(metadata) != {"buildInvocationID", "completeness", "reproducible"}
}

deny contains sprintf("metadata.buildInvocationID is %v, want <github_run_id>-<github_run_attempt> (%v-%v)", [get(metadata, "buildInvocationID", "missing"), env("github_run_id"), env("github_run_attempt")]) if {
	get(metadata, "buildInvocationID", "missing") != sprintf("%v-%v", [env("github_run_id"), env("github_run_attempt")])
}

deny contains sprintf("metadata.completeness is %v, want the generator's {\"environment\": false, \"materials\": false, \"parameters\": true}", [get(metadata, "completeness", "missing")]) if {
	get(metadata, "completeness", "missing") != {"environment": false, "materials": false, "parameters": true}
}

deny contains sprintf("metadata.reproducible is %v, want false, as the generator writes it", [get(metadata, "reproducible", "missing")]) if {
	get(metadata, "reproducible", "missing") != false
}
