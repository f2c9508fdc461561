package main

import rego.v1

# The tests build each policy from its canonical form, write it as YAML and
# hand it over as conftest's ignore parser does. The embedded attestation
# policies and the reviewed spellings are stood in for by the tests' own, so
# that the tests do not repeat the committed text; that the committed files
# match the real hashes is what `conftest test` on policy/admission checks,
# and each file in policy/admission/denied is a bypass refused for real.

stand_in_text := {
	"sbom-spdx": "package sigstore\n\n# the SBOM conditions\n",
	"provenance": "package sigstore\n\n# the provenance conditions\n",
	"provenance-slsa3": "package sigstore\n\n# the L3 provenance conditions\n",
	"both-authorities": "package sigstore\n\n# both authorities\n",
}

stand_in_sha256 := {name: crypto.sha256(text) | some name, text in stand_in_text}

placeholder := "-----BEGIN PUBLIC KEY-----\nREPLACE WITH THE BODY OF YOUR cosign.pub\n-----END PUBLIC KEY-----\n"

# A throw-away ECDSA P-256 public key, as `openssl ec -pubout` writes it.
a_key := "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn1ZgsPie8pJRTb7gdBlHSne5yGf0\n+kSBuCrf7/fE/Z8scGI874MNSJnek1pdV/qNP00Glhl9zqAvoX/WjlsP+w==\n-----END PUBLIC KEY-----\n"

# canonical[name] with each marker replaced by a value that matches it.
policy(name) := json.patch(canonical[name], [op |
	some at, want in want_nodes[name]
	want in markers
	op := {"op": "replace", "path": pointer(at), "value": stand_in(want)}
])

stand_in(want) := placeholder if want == pem_public_key

stand_in(want) := stand_in_text[name] if {
	some name, _ in stand_in_text
	want == reviewed_policy(name)
}

file(path, text) := {"path": path, "contents": [{"Kind": "Path", "Value": line, "Original": line} | some line in split(text, "\n")]}

# The spelling of a rendered policy is not the reviewed file's: refusals
# leaves that message out, and the spelling tests below set the hashes.
refusals(files) := {msg |
	some msg in deny with input as files with reviewed_policy_sha256 as stand_in_sha256
	not contains(msg, "spelled differently")
}

refused(files, fragment) if {
	some msg in refusals(files)
	contains(msg, fragment)
}

# Each case [policy, patch, fragment] is a fixture of its own; all are read
# in one evaluation, which keeps the tests fast.
denied_all(cases) if {
	files := [file(sprintf("case-%d.yaml", [i]), yaml.marshal(json.patch(policy(c[0]), c[1]))) | some i, c in cases]
	msgs := refusals(files)
	every i, c in cases {
		some msg in msgs
		startswith(msg, sprintf("case-%d.yaml: ", [i]))
		contains(msg, c[2])
	}
}

denied(name, patch, fragment) if denied_all([[name, patch, fragment]])

# One fixture with every change in patch, each reported on its own: the
# changes touch different fields.
denied_together(name, patch, fragments) if {
	msgs := refusals([file("x.yaml", yaml.marshal(json.patch(policy(name), patch)))])
	every fragment in fragments {
		some msg in msgs
		contains(msg, fragment)
	}
}

real_set := [file(sprintf("policy/admission/%s", [name]), yaml.marshal(policy(name))) | some name, _ in canonical]

# --- The canonical form passes ---

test_the_four_policies_pass if {
	count(refusals(real_set)) == 0
}

test_each_policy_passes_on_its_own if {
	count(refusals([file(sprintf("denied/mine-%s", [name]), yaml.marshal(policy(name))) | some name, _ in canonical])) == 0
}

test_a_real_key_passes if {
	keyed := [file(sprintf("denied/mine-%s", [name]), yaml.marshal(json.patch(policy(name), [{"op": "replace", "path": pointer(at), "value": a_key} |
		some at, want in want_nodes[name]
		want == pem_public_key
	]))) |
		some name in ["cip-key.yaml", "kyverno-key.yaml"]
	]
	count(refusals(keyed)) == 0
}

test_policy_text_is_matched_by_its_hash if {
	every name, text in stand_in_text {
		matches(reviewed_policy(name), text) with reviewed_policy_sha256 as stand_in_sha256
	}
	not matches(reviewed_policy("sbom-spdx"), stand_in_text.provenance) with reviewed_policy_sha256 as stand_in_sha256
	not matches(reviewed_policy("sbom-spdx"), reviewed_policy("sbom-spdx")) with reviewed_policy_sha256 as stand_in_sha256
	not matches(pem_public_key, pem_public_key)
}

# --- Reading the files ---

test_input_not_combined if {
	some msg in deny with input as file("x.yaml", "a: 1").contents
	contains(msg, "run conftest test --combine --parser ignore")
}

test_input_parsed_as_yaml if {
	refused([{"path": "x.yaml", "contents": policy("cip-key.yaml")}], "x.yaml: not read as raw lines")
}

test_files_that_hold_no_policy if {
	msgs := refusals([
		file("invalid.yaml", "a: [1"),
		file("empty.yaml", ""),
		file("list.yaml", yaml.marshal([policy("cip-key.yaml")])),
		file("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"),
		file("exception.yaml", "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: product-catalog\nspec: {}\n"),
	])
	every fragment in [
		"invalid.yaml: not valid YAML",
		"empty.yaml: holds no policy document",
		"list.yaml: holds no policy document",
		"configmap.yaml: ConfigMap x is not one of the admission policies",
		"exception.yaml: PolicyException product-catalog is not one of the admission policies",
	] {
		some msg in msgs
		contains(msg, fragment)
	}
}

test_another_policy_of_a_known_kind if {
	other := json.patch(policy("cip-keyless.yaml"), [{"op": "replace", "path": "/metadata/name", "value": "everything-else"}])
	refused([file("x.yaml", yaml.marshal(other))], "x.yaml: ClusterImagePolicy everything-else is not one of the admission policies")
}

test_a_second_document_after_a_marker if {
	text := concat("", [yaml.marshal(policy("cip-keyless.yaml")), "--- # more\n", yaml.marshal(policy("cip-key.yaml"))])
	refused([file("x.yaml", text)], "is a YAML document marker or directive (--- # more)")
}

test_markers_and_directives if {
	msgs := refusals([file(sprintf("%d.yaml", [i]), concat("\n", [line, yaml.marshal(policy("cip-keyless.yaml"))])) | some i, line in ["---", "...", "%YAML 1.1"]])
	every i in [0, 1, 2] {
		some msg in msgs
		startswith(msg, sprintf("%d.yaml: line 1 is a YAML document marker or directive", [i]))
	}
}

test_characters_beyond_printable_ascii if {
	msgs := refusals([file(sprintf("%d.yaml", [i]), concat("", ["# reviewed", c, "\n", yaml.marshal(policy("cip-keyless.yaml"))])) | some i, c in ["\t", "\r", "\u0085", "\u2028", "\ufeff"]])
	every i in numbers.range(0, 4) {
		some msg in msgs
		startswith(msg, sprintf("%d.yaml: line 1 holds a character other than printable ASCII", [i]))
	}
}

# --- The real set ---

test_a_policy_missing_from_the_set if {
	refused(array.slice(real_set, 1, 4), "is missing: the admission policies are exactly")
}

test_a_file_holding_another_policy if {
	swapped := [file("policy/admission/cip-key.yaml", yaml.marshal(policy("cip-keyless.yaml")))]
	refused(swapped, "policy/admission/cip-key.yaml: holds something other than ClusterImagePolicy product-catalog-key")
}

# --- Spelling ---

stand_in_spelling := {name: crypto.sha256(spelling(split(yaml.marshal(policy(name)), "\n"))) | some name, _ in canonical}

test_the_reviewed_spelling_passes if {
	count(deny) == 0 with input as real_set
		with reviewed_policy_sha256 as stand_in_sha256
		with reviewed_spelling_sha256 as stand_in_spelling
}

test_equal_values_spelled_otherwise if {
	some msg in deny with input as [file("x.yaml", json.marshal(policy("kyverno-keyless.yaml")))]
		with reviewed_policy_sha256 as stand_in_sha256
		with reviewed_spelling_sha256 as stand_in_spelling
	contains(msg, "x.yaml: ClusterPolicy product-catalog-keyless: spelled differently from the reviewed kyverno-keyless.yaml")
}

test_spelling_ignores_comments_blank_lines_and_the_key_body if {
	text := yaml.marshal(policy("cip-key.yaml"))
	commented := replace(text, "\nspec:\n", "\n# why\n\nspec:\n  # and why\n")
	commented != text
	spelling(split(commented, "\n")) == spelling(split(text, "\n"))
	keyed := replace(text, "REPLACE WITH THE BODY OF YOUR cosign.pub", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn1ZgsPie8pJRTb7gdBlHSne5yGf0\n          +kSBuCrf7/fE/Z8scGI874MNSJnek1pdV/qNP00Glhl9zqAvoX/WjlsP+w==")
	keyed != text
	spelling(split(keyed, "\n")) == spelling(split(text, "\n"))
	spelling(split(replace(text, "sha256", "'sha256'"), "\n")) != spelling(split(text, "\n"))
}

# --- ClusterImagePolicy ---

authority := "/spec/authorities/0"

test_cip_identity if {
	regexp := concat("", [authority, "/keyless/identities/0/subjectRegExp"])
	denied_all([
		["cip-keyless.yaml", [{"op": "replace", "path": regexp, "value": concat("|", [our_subject_regexp, `^https://github\.com/attacker/.*$`])}], "spec.authorities[0].keyless.identities[0].subjectRegExp is"],
		["cip-keyless.yaml", [{"op": "replace", "path": regexp, "value": ".*"}], `subjectRegExp is ".*", want`],
		["cip-keyless.yaml", [{"op": "replace", "path": regexp, "value": trim_suffix(trim_prefix(our_subject_regexp, "^"), "$")}], "subjectRegExp is"],
		[
			"cip-keyless.yaml", [
				{"op": "remove", "path": concat("", [authority, "/keyless/identities/0/issuer"])},
				{"op": "add", "path": concat("", [authority, "/keyless/identities/0/issuerRegExp"]), "value": ".*"},
			],
			"identities[0].issuer is missing",
		],
		["cip-keyless.yaml", [{"op": "add", "path": concat("", [authority, "/keyless/identities/-"]), "value": {"issuer": github_issuer, "subject": "x"}}], "keyless.identities has 2 items, want 1"],
	])
}

test_cip_transparency if {
	denied_all([
		[
			"cip-keyless.yaml", [
				{"op": "replace", "path": concat("", [authority, "/keyless/url"]), "value": "https://fulcio.internal.example"},
				{"op": "remove", "path": concat("", [authority, "/ctlog"])},
			],
			`spec.authorities[0].ctlog is missing, want {"url":"https://rekor.sigstore.dev"}`,
		],
		["cip-keyless.yaml", [{"op": "replace", "path": concat("", [authority, "/ctlog/url"]), "value": "https://rekor.example.com"}], `spec.authorities[0].ctlog.url is "https://rekor.example.com", want "https://rekor.sigstore.dev"`],
		["cip-key.yaml", [{"op": "add", "path": concat("", [authority, "/ctlog"]), "value": {"url": "https://rekor.example.com"}}], "spec.authorities[0].ctlog is not in the canonical form"],
	])
}

test_cip_another_authority if {
	another := {"name": "any-ref", "keyless": {"url": public_fulcio, "identities": [{"issuer": github_issuer, "subjectRegExp": `^https://github\.com/product-catalog/product-catalog/.*$`}]}}
	denied_all([
		["cip-keyless.yaml", [{"op": "add", "path": "/spec/authorities/-", "value": another}], "spec.authorities has 3 items, want 2"],
		["cip-key.yaml", [{"op": "add", "path": "/spec/authorities/-", "value": another}], "spec.authorities has 2 items, want 1"],
	])
}

# The L3 authority: the generator at its tag, exactly, and the policy that
# makes both authorities required.
test_cip_slsa_generator if {
	generator := "/spec/authorities/1"
	denied_all([
		["cip-keyless.yaml", [{"op": "remove", "path": generator}], "spec.authorities has 1 item, want 2"],
		["cip-keyless.yaml", [{"op": "remove", "path": "/spec/policy"}], "spec.policy is missing"],
		["cip-keyless.yaml", [{"op": "replace", "path": "/spec/policy/data", "value": "package sigstore\nisCompliant := true\n"}], "spec.policy.data is"],
		["cip-keyless.yaml", [{"op": "replace", "path": concat("", [generator, "/keyless/identities/0/subject"]), "value": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/heads/main"}], "spec.authorities[1].keyless.identities[0].subject is"],
		[
			"cip-keyless.yaml", [
				{"op": "remove", "path": concat("", [generator, "/keyless/identities/0/subject"])},
				{"op": "add", "path": concat("", [generator, "/keyless/identities/0/subjectRegExp"]), "value": `^https://github\.com/slsa-framework/slsa-github-generator/.*$`},
			],
			"spec.authorities[1].keyless.identities[0].subject is missing",
		],
		["cip-keyless.yaml", [{"op": "replace", "path": concat("", [generator, "/attestations/0/predicateType"]), "value": slsa}], "spec.authorities[1].attestations[0].predicateType is"],
		["cip-keyless.yaml", [{"op": "replace", "path": concat("", [generator, "/attestations/0/policy/data"]), "value": stand_in_text.provenance}], "spec.authorities[1].attestations[0].policy.data is"],
	])
}

test_cip_fields_beyond_the_canonical_form if {
	cases := [
		["/spec/mode", "warn", "spec.mode is not in the canonical form"],
		["/spec/match", [{"group": "apps", "version": "v1", "resource": "deployments"}], "spec.match is not in the canonical form"],
		["/spec/policy/fetchConfigFile", true, "spec.policy.fetchConfigFile is not in the canonical form"],
		["/spec/authorities/0/static", {"action": "pass"}, "spec.authorities[0].static is not in the canonical form"],
		["/spec/authorities/0/keyless/insecureIgnoreSCT", true, "keyless.insecureIgnoreSCT is not in the canonical form"],
		["/spec/authorities/0/keyless/trustRootRef", "theirs", "keyless.trustRootRef is not in the canonical form"],
		["/spec/authorities/0/keyless/ca-cert", {"data": "x"}, "keyless.ca-cert is not in the canonical form"],
		["/spec/authorities/0/rfc3161timestamp", {"trustRootRef": "theirs"}, "spec.authorities[0].rfc3161timestamp is not in the canonical form"],
		["/spec/authorities/0/source", [{"oci": "ghcr.io/attacker/signatures"}], "spec.authorities[0].source is not in the canonical form"],
		["/metadata/namespace", "default", "metadata.namespace is not in the canonical form"],
		["/status", {}, "status is not in the canonical form"],
	]
	denied_together("cip-keyless.yaml", [{"op": "add", "path": c[0], "value": c[1]} | some c in cases], [c[2] | some c in cases])
}

test_cip_images if {
	denied_all([
		["cip-key.yaml", [{"op": "add", "path": "/spec/images/-", "value": {"glob": "**"}}], `spec.images has 2 items, want 1: [{"glob":"ghcr.io/product-catalog/product-catalog**"}]`],
		["cip-key.yaml", [{"op": "replace", "path": "/spec/images/0/glob", "value": "ghcr.io/product-catalog/product-catalog:v*"}], "spec.images[0].glob is"],
		["cip-key.yaml", [{"op": "replace", "path": "/spec/images", "value": {"glob": "**"}}], `spec.images is {"glob":"**"}, want [`],
	])
}

test_cip_attestations if {
	denied_all([
		["cip-keyless.yaml", [{"op": "replace", "path": concat("", [authority, "/attestations/0/policy/data"]), "value": "package sigstore\nisCompliant := true\n"}], "spec.authorities[0].attestations[0].policy.data is"],
		[
			"cip-key.yaml", [
				{"op": "remove", "path": concat("", [authority, "/attestations/0/policy/data"])},
				{"op": "add", "path": concat("", [authority, "/attestations/0/policy/remote"]), "value": {"url": "https://example.com/sbom.rego"}},
			],
			"spec.authorities[0].attestations[0].policy.data is missing, want (the reviewed sbom-spdx conditions)",
		],
		["cip-key.yaml", [{"op": "remove", "path": concat("", [authority, "/attestations/1"])}], "spec.authorities[0].attestations has 1 item, want 2"],
		["cip-key.yaml", [{"op": "replace", "path": concat("", [authority, "/attestations/1/predicateType"]), "value": "https://slsa.dev/provenance/v0.2"}], "attestations[1].predicateType is"],
		["cip-key.yaml", [{"op": "replace", "path": concat("", [authority, "/attestations/0/policy/type"]), "value": "cue"}], `attestations[0].policy.type is "cue", want "rego"`],
	])
}

test_cip_key if {
	data_path := concat("", [authority, "/key/data"])
	denied_all(array.concat(
		[
			["cip-key.yaml", [{"op": "replace", "path": concat("", [authority, "/key"]), "value": {"kms": "awskms:///alias/theirs"}}], "spec.authorities[0].key.kms is not in the canonical form"],
			["cip-key.yaml", [{"op": "replace", "path": concat("", [authority, "/key"]), "value": {"secretRef": {"name": "cosign-pub"}}}], "spec.authorities[0].key.secretRef is not in the canonical form"],
		],
		[["cip-key.yaml", [{"op": "replace", "path": data_path, "value": value}], "spec.authorities[0].key.data is"] | some value in [
			"k8s://cosign-system/cosign-pub",
			concat("", [a_key, a_key]),
			replace(a_key, "PUBLIC KEY", "CERTIFICATE"),
			replace(a_key, "\n+kSB", "\n\n+kSB"),
			concat("", [placeholder, "kms: x\n"]),
		]],
	))
}

test_cip_api_version if {
	denied("cip-keyless.yaml", [{"op": "replace", "path": "/apiVersion", "value": "policy.sigstore.dev/v1alpha1"}], `apiVersion is "policy.sigstore.dev/v1alpha1", want "policy.sigstore.dev/v1beta1"`)
}

# --- Kyverno ---

vi := "/spec/rules/0/verifyImages/0"

test_kyverno_enforcement if {
	cases := [
		["/spec/validationFailureAction", "Audit", `spec.validationFailureAction is "Audit", want "Enforce"`],
		["/spec/failurePolicy", "Ignore", `spec.failurePolicy is "Ignore", want "Fail"`],
		["/spec/background", true, "spec.background is true, want false"],
		["/spec/webhookTimeoutSeconds", 1, "spec.webhookTimeoutSeconds is 1, want 30"],
		[concat("", [vi, "/mutateDigest"]), false, "verifyImages[0].mutateDigest is false, want true"],
		[concat("", [vi, "/verifyDigest"]), false, "verifyImages[0].verifyDigest is false, want true"],
		[concat("", [vi, "/required"]), "yes", `verifyImages[0].required is "yes", want true`],
		[concat("", [vi, "/type"]), "Notary", `verifyImages[0].type is "Notary", want "Cosign"`],
	]
	denied_together("kyverno-keyless.yaml", [{"op": "replace", "path": c[0], "value": c[1]} | some c in cases], [c[2] | some c in cases])
}

test_kyverno_missing_fields if {
	cases := [
		["/spec/validationFailureAction", `spec.validationFailureAction is missing, want "Enforce"`],
		["/spec/failurePolicy", `spec.failurePolicy is missing, want "Fail"`],
		[concat("", [vi, "/required"]), "verifyImages[0].required is missing, want true"],
		[concat("", [vi, "/attestors"]), "verifyImages[0].attestors is missing, want"],
	]
	denied_together("kyverno-key.yaml", [{"op": "remove", "path": c[0]} | some c in cases], [c[1] | some c in cases])
}

test_kyverno_fields_beyond_the_canonical_form if {
	cases := [
		["/spec/admission", false, "spec.admission is not in the canonical form"],
		["/spec/validationFailureActionOverrides", [{"action": "Audit", "namespaces": ["product-catalog"]}], "spec.validationFailureActionOverrides is not in the canonical form"],
		["/spec/webhookConfiguration", {"matchConditions": [{"name": "x", "expression": "false"}]}, "spec.webhookConfiguration is not in the canonical form"],
		["/spec/rules/0/exclude", {"any": [{"resources": {"namespaces": ["product-catalog"]}}]}, "spec.rules[0].exclude is not in the canonical form"],
		["/spec/rules/0/preconditions", {"all": [{"key": "a", "operator": "Equals", "value": "b"}]}, "spec.rules[0].preconditions is not in the canonical form"],
		["/spec/rules/0/match/any/0/resources/namespaces", ["default"], "match.any[0].resources.namespaces is not in the canonical form"],
		[concat("", [vi, "/failureAction"]), "Audit", "verifyImages[0].failureAction is not in the canonical form"],
		[concat("", [vi, "/skipImageReferences"]), ["ghcr.io/product-catalog/product-catalog:*"], "verifyImages[0].skipImageReferences is not in the canonical form"],
		[concat("", [vi, "/repository"]), "ghcr.io/attacker/signatures", "verifyImages[0].repository is not in the canonical form"],
		[concat("", [vi, "/attestors/0/count"]), 1, "verifyImages[0].attestors[0].count is not in the canonical form"],
		[concat("", [vi, "/attestors/0/entries/0/keyless/ctlog"]), {"ignoreSCT": true}, "keyless.ctlog is not in the canonical form"],
		[concat("", [vi, "/attestors/0/entries/0/keyless/rekor/ignoreTlog"]), true, "keyless.rekor.ignoreTlog is not in the canonical form"],
		["/metadata/annotations/pod-policies.kyverno.io~1autogen-controllers", "none", `metadata.annotations["pod-policies.kyverno.io/autogen-controllers"] is not in the canonical form`],
	]
	denied_together("kyverno-keyless.yaml", [{"op": "add", "path": c[0], "value": c[1]} | some c in cases], [c[2] | some c in cases])
}

test_kyverno_rules_and_images if {
	denied_all([
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [vi, "/imageReferences/0"]), "value": "ghrc.io/product-catalog/product-catalog*"}], "verifyImages[0].imageReferences[0] is"],
		["kyverno-keyless.yaml", [{"op": "add", "path": concat("", [vi, "/imageReferences/-"]), "value": "*"}], "verifyImages[0].imageReferences has 2 items, want 1"],
		["kyverno-keyless.yaml", [{"op": "add", "path": "/spec/rules/-", "value": {"name": "more"}}], "spec.rules has 2 items, want 1"],
		["kyverno-keyless.yaml", [{"op": "replace", "path": "/spec/rules/0/match/any/0/resources/kinds/0", "value": "Deployment"}], `spec.rules[0].match.any[0].resources.kinds[0] is "Deployment", want "Pod"`],
	])
}

test_kyverno_identity if {
	denied_all([["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [vi, c[0]]), "value": c[1]}], c[2]] | some c in [
		["/attestors/0/entries/0/keyless/subjectRegExp", ".*", `verifyImages[0].attestors[0].entries[0].keyless.subjectRegExp is ".*"`],
		["/attestors/0/entries/0/keyless/subjectRegExp", trim_suffix(trim_prefix(our_subject_regexp, "^"), "$"), "verifyImages[0].attestors[0].entries[0].keyless.subjectRegExp is"],
		["/attestations/1/attestors/0/entries/0/keyless/issuer", "https://accounts.google.com", `attestations[1].attestors[0].entries[0].keyless.issuer is "https://accounts.google.com"`],
		["/attestors/0/entries/0/keyless/rekor", {"ignoreTlog": true}, "keyless.rekor.url is missing"],
	]])
}

test_kyverno_attestations if {
	attestation := concat("", [vi, "/attestations/0"])
	denied_all([
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [attestation, "/conditions/0/all/0/value"]), "value": "{{ spdxVersion }}"}], `conditions[0].all[0].value is "{{ spdxVersion }}", want "SPDX-2.3"`],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [attestation, "/conditions/0"]), "value": {"any": kyverno_spdx_conditions}}], "attestations[0].conditions[0].all is missing"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [vi, "/attestations/1"])}], "verifyImages[0].attestations has 2 items, want 3"],
		["kyverno-key.yaml", [{"op": "remove", "path": concat("", [vi, "/attestations/1"])}], "verifyImages[0].attestations has 1 item, want 2"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [attestation, "/attestors"])}], "attestations[0].attestors is missing"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [attestation, "/conditions/0/all/3"])}], "attestations[0].conditions[0].all has 3 items, want 4"],
	])
}

# The L3 provenance: its own attestor, the generator exactly, and the
# conditions that bind the statement to this repository.
test_kyverno_slsa_generator if {
	l3 := concat("", [vi, "/attestations/2"])
	entry := concat("", [l3, "/attestors/0/entries/0/keyless"])
	denied_all([
		["kyverno-keyless.yaml", [{"op": "remove", "path": l3}], "verifyImages[0].attestations has 2 items, want 3"],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [entry, "/subject"]), "value": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0"}], "attestations[2].attestors[0].entries[0].keyless.subject is"],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [l3, "/attestors/0/entries/0"]), "value": kyverno_keyless_entry}], "attestations[2].attestors[0].entries[0].keyless.subject is missing"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [l3, "/conditions/0/all/2"])}], "attestations[2].conditions[0].all has 8 items, want 9"],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [l3, "/type"]), "value": slsa}], "attestations[2].type is"],
	])
}

generator_extensions(i) := sprintf("%s/attestations/2/attestors/0/entries/%d/keyless/additionalExtensions", [vi, i])

# The generator's certificate: a run of this repository, for a push, of main
# or a v* tag, as cip-keyless.yaml's spec.policy requires.
test_kyverno_slsa_generator_certificate if {
	attestor := concat("", [vi, "/attestations/2/attestors/0"])
	denied_all([
		["kyverno-keyless.yaml", [{"op": "remove", "path": generator_extensions(0)}], "attestations[2].attestors[0].entries[0].keyless.additionalExtensions is missing"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [generator_extensions(1), "/githubWorkflowRepository"])}], "entries[1].keyless.additionalExtensions.githubWorkflowRepository is missing"],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [generator_extensions(0), "/githubWorkflowRepository"]), "value": "*/product-catalog"}], `entries[0].keyless.additionalExtensions.githubWorkflowRepository is "*/product-catalog", want "product-catalog/product-catalog"`],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [generator_extensions(0), "/githubWorkflowTrigger"]), "value": "*"}], `entries[0].keyless.additionalExtensions.githubWorkflowTrigger is "*", want "push"`],
		["kyverno-keyless.yaml", [{"op": "replace", "path": concat("", [generator_extensions(1), "/githubWorkflowRef"]), "value": "refs/*"}], `entries[1].keyless.additionalExtensions.githubWorkflowRef is "refs/*", want "refs/tags/v*"`],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [generator_extensions(1), "/githubWorkflowRef"])}], "entries[1].keyless.additionalExtensions.githubWorkflowRef is missing"],
		["kyverno-keyless.yaml", [{"op": "add", "path": concat("", [generator_extensions(1), "/githubWorkflowSha"]), "value": "*"}], "entries[1].keyless.additionalExtensions.githubWorkflowSha is not in the canonical form"],
		["kyverno-keyless.yaml", [{"op": "remove", "path": concat("", [attestor, "/count"])}], "attestations[2].attestors[0].count is missing, want 1"],
		["kyverno-keyless.yaml", [{"op": "add", "path": concat("", [attestor, "/entries/-"]), "value": kyverno_keyless_entry}], "attestations[2].attestors[0].entries has 3 items, want 2"],
	])
}

test_kyverno_keys if {
	keys := concat("", [vi, "/attestors/0/entries/0/keys"])
	denied_all([
		["kyverno-key.yaml", [{"op": "replace", "path": concat("", [keys, "/publicKeys"]), "value": "k8s://kyverno/cosign-pub"}], `keys.publicKeys is "k8s://kyverno/cosign-pub", want (one PEM public key block`],
		["kyverno-key.yaml", [{"op": "add", "path": concat("", [keys, "/kms"]), "value": "awskms:///alias/theirs"}], "keys.kms is not in the canonical form"],
		["kyverno-key.yaml", [{"op": "add", "path": concat("", [keys, "/secret"]), "value": {"name": "k", "namespace": "n"}}], "keys.secret is not in the canonical form"],
		["kyverno-key.yaml", [{"op": "replace", "path": concat("", [vi, "/attestations/1/attestors/0/entries/0/keys/publicKeys"]), "value": a_key}], "attestations[1].attestors[0].entries[0].keys.publicKeys holds another public key than spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys"],
		["kyverno-key.yaml", [{"op": "remove", "path": concat("", [keys, "/rekor"])}], `keys.rekor is missing, want {"ignoreTlog":true}`],
	])
}

test_kyverno_minversion if {
	denied("kyverno-keyless.yaml", [{"op": "replace", "path": "/metadata/annotations/policies.kyverno.io~1minversion", "value": "1.10.0"}], `metadata.annotations["policies.kyverno.io/minversion"] is "1.10.0", want "1.14.0"`)
}

# --- Messages ---

test_field_names if {
	field([]) == "the document"
	field(["spec", "rules", 0, "verifyImages"]) == "spec.rules[0].verifyImages"
	field(["metadata", "annotations", "a.io/b"]) == `metadata.annotations["a.io/b"]`
}

test_long_values_are_cut if {
	text := concat("", [concat("", ["x" | some _ in numbers.range(1, 300)])])
	endswith(show(text), sprintf("(302 characters, sha256 %s)", [crypto.sha256(text)]))
}
