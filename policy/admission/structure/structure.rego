# The admission policies in policy/admission, compared with their canonical
# form. Looking for known weaknesses misses the next one; instead each
# document must equal, field for field, one of the four reviewed policies
# below, and anything else (another authority, another image pattern, an
# extra field anywhere, a looser identity, other attestation conditions) is
# refused with the field that differs and its canonical value.
#
# Run as `conftest test --combine --parser ignore -p policy/admission/structure
# FILE...`: the ignore parser hands over each file's raw lines, and the check
# parses them itself. conftest's own YAML reader splits documents only at a
# bare "---" line, so a second document after "--- # comment", which kubectl
# applies, would never reach a check that relied on it.
#
# The key-based ClusterImagePolicy is also exercised for real by the
# policy-controller tester (build/supply-chain/test.sh); the Kyverno policies
# are checked only here, because the Kyverno CLI is too large to build on
# every test machine.
package main

import rego.v1

# --- The canonical form ---

github_issuer := "https://token.actions.githubusercontent.com"

# This repository's CI workflow, on the default branch or a release tag.
our_subject_regexp := `^https://github\.com/product-catalog/product-catalog/\.github/workflows/ci\.yml@refs/(heads/main|tags/v[0-9].*)$`

public_fulcio := "https://fulcio.sigstore.dev"

public_rekor := "https://rekor.sigstore.dev"

spdx := "https://spdx.dev/Document"

slsa := "https://slsa.dev/provenance/v1"

# SLSA Build L3 provenance: slsa-framework/slsa-github-generator's container
# workflow, at the one tag .github/workflows/ci.yml calls it by, signs it
# with its own identity (SECURITY.md, "Provenance: who wrote it").
slsa_generator := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0"

slsa_v02 := "https://slsa.dev/provenance/v0.2"

# Fields that legitimately vary are held by markers, each matched by a rule
# of its own in matches below rather than by equality.
pem_public_key := "(one PEM public key block, or the shipped placeholder)"

reviewed_policy(name) := sprintf("(the reviewed %s conditions)", [name])

# The attestation conditions embedded in both ClusterImagePolicies, and
# cip-keyless.yaml's own policy over its two authorities, by the sha256 of
# their text: a condition cannot be loosened (or made always true) without
# changing this file too. policy/attestations holds cosign's own policies
# for the same attestations; these are the webhook's.
reviewed_policy_sha256 := {
	"sbom-spdx": "d8b0f1388d5a3d8acb69ae17c414342e308678810d536c3459bbc447cec59f0a",
	"provenance": "cc195e9f9cdf51b72426988394e52adca31b7a6afb2b05a6ad70e675e3f507b2",
	"provenance-slsa3": "017d98aa45579aa94ea3048c74d27d457ecea6e6badc374f8b21373eeca3c38e",
	"both-authorities": "1f05a6d2dac87bb3e5b772067f461c7362f3e44afe80aaaea8d6f59975895036",
}

# How each reviewed file is written, by the sha256 of its lines other than
# comments, blank lines and the key body (see spelling). Comparing parsed
# values alone would accept a spelling that another YAML reader takes
# otherwise than this check's YAML 1.2 parser: kubectl reads YAML 1.1, where
# `yes` and `on` are true, and readers differ on duplicate and merge keys.
reviewed_spelling_sha256 := {
	"cip-keyless.yaml": "aa9753576ac179eca139b491affb259f94efddd58353275406927200e05b4b83",
	"cip-key.yaml": "0d09cd7cf5ce7636cbb712531c73554d009b2048e9dffe08ad09c2aa0c0c3279",
	"kyverno-keyless.yaml": "e11c8fbf06bc889c0da533081c0523d4baf19db9c881102739837f22cb640ef4",
	"kyverno-key.yaml": "d8b13ecf0417d0b83757964326e6740d89e72c036ed03a7f42e732e3897a204c",
}

cip_attestations := [
	{
		"name": "sbom-spdx",
		"predicateType": spdx,
		"policy": {"type": "rego", "data": reviewed_policy("sbom-spdx")},
	},
	{
		"name": "provenance",
		"predicateType": slsa,
		"policy": {"type": "rego", "data": reviewed_policy("provenance")},
	},
]

cip_policy(name, authorities) := {
	"apiVersion": "policy.sigstore.dev/v1beta1",
	"kind": "ClusterImagePolicy",
	"metadata": {"name": name},
	"spec": {
		"images": [{"glob": "ghcr.io/product-catalog/product-catalog**"}],
		"authorities": authorities,
	},
}

# The policy-controller admits an image when any one authority of a policy
# passes; cip-keyless.yaml's spec.policy requires both of its authorities,
# and the L3 provenance's certificate to come from this repository's runs.
cip_keyless := json.patch(
	cip_policy("product-catalog-keyless", [
		{
			"name": "github-actions",
			"keyless": {
				"url": public_fulcio,
				"identities": [{"issuer": github_issuer, "subjectRegExp": our_subject_regexp}],
			},
			"ctlog": {"url": public_rekor},
			"attestations": cip_attestations,
		},
		{
			"name": "slsa-github-generator",
			"keyless": {
				"url": public_fulcio,
				"identities": [{"issuer": github_issuer, "subject": slsa_generator}],
			},
			"ctlog": {"url": public_rekor},
			"attestations": [{
				"name": "provenance-slsa3",
				"predicateType": slsa_v02,
				"policy": {"type": "rego", "data": reviewed_policy("provenance-slsa3")},
			}],
		},
	]),
	[{"op": "add", "path": "/spec/policy", "value": {"type": "rego", "data": reviewed_policy("both-authorities")}}],
)

kyverno_keyless_entry := {"keyless": {
	"issuer": github_issuer,
	"subjectRegExp": our_subject_regexp,
	"rekor": {"url": public_rekor},
}}

# The generator's identity, exactly: no pattern. That identity is every
# caller's, so each entry also requires the certificate's GitHub extensions
# (Fulcio's OIDs 1.3.6.1.4.1.57264.1.2, .5, .6, from the run's OIDC token)
# to name a run of this repository, for a push, of one release ref: what
# cip-keyless.yaml's spec.policy checks of the same certificate. Kyverno
# compares each extension with its value as a wildcard pattern (`*` and `?`
# only: kyverno pkg/cosign, matchExtensions, IGLOU-EU/go-wildcard), and has
# no alternation, so main and the v* tags are two entries of one attestor
# set with count 1, Kyverno's logical OR: one of them must verify, with
# every extension it names.
kyverno_generator_entry(ref) := {"keyless": {
	"issuer": github_issuer,
	"subject": slsa_generator,
	"additionalExtensions": {
		"githubWorkflowRepository": "product-catalog/product-catalog",
		"githubWorkflowTrigger": "push",
		"githubWorkflowRef": ref,
	},
	"rekor": {"url": public_rekor},
}}

kyverno_generator_attestor := {
	"count": 1,
	"entries": [kyverno_generator_entry("refs/heads/main"), kyverno_generator_entry("refs/tags/v*")],
}

# Signed offline: no transparency log entry and no certificate, so no SCT.
kyverno_key_entry := {"keys": {
	"publicKeys": pem_public_key,
	"rekor": {"ignoreTlog": true},
	"ctlog": {"ignoreSCT": true},
}}

kyverno_spdx_conditions := [
	{
		"key": "{{ spdxVersion }}",
		"operator": "Equals",
		"value": "SPDX-2.3",
		"message": "the SPDX SBOM is not SPDX 2.3",
	},
	{
		"key": "{{ length(packages[?name == 'stdlib']) }}",
		"operator": "GreaterThan",
		"value": 0,
		"message": "the SPDX SBOM does not list the Go standard library",
	},
	{
		"key": "{{ length(packages[?name == 'github.com/product-catalog/product-catalog']) }}",
		"operator": "GreaterThan",
		"value": 0,
		"message": "the SPDX SBOM does not list the main module",
	},
	{
		"key": "{{ length(relationships[?relationshipType == 'DESCENDANT_OF']) }}",
		"operator": "GreaterThan",
		"value": 0,
		"message": "the SPDX SBOM does not name the base image",
	},
]

# What binds the generator's statement to this repository: the fields the
# generator wrote from the run that called it (policy/attestations/
# provenance-slsa3 checks the same, and more, with cosign).
kyverno_slsa3_conditions := [
	{
		"key": "{{ builder.id }}",
		"operator": "Equals",
		"value": slsa_generator,
		"message": "the L3 provenance names another builder than the container generator at v2.1.0",
	},
	{
		"key": "{{ buildType }}",
		"operator": "Equals",
		"value": "https://github.com/slsa-framework/slsa-github-generator/container@v1",
		"message": "the L3 provenance has another buildType than the container generator's",
	},
	{
		"key": "{{ regex_match('^git[+]https://github[.]com/product-catalog/product-catalog@refs/(heads/main|tags/v[0-9][0-9A-Za-z._+-]*)$', invocation.configSource.uri) }}",
		"operator": "Equals",
		"value": true,
		"message": "the L3 provenance's source is not this repository at main or a version tag",
	},
	{
		"key": "{{ invocation.configSource.entryPoint }}",
		"operator": "Equals",
		"value": ".github/workflows/ci.yml",
		"message": "the L3 provenance names another workflow than .github/workflows/ci.yml",
	},
	{
		"key": "{{ invocation.environment.github_event_name }}",
		"operator": "Equals",
		"value": "push",
		"message": "the L3 provenance is of a run that was not for a push",
	},
	{
		"key": "{{ length(invocation.configSource.digest.sha1) }}",
		"operator": "Equals",
		"value": 40,
		"message": "the L3 provenance does not name its source commit",
	},
	{
		"key": "{{ invocation.environment.github_sha1 == invocation.configSource.digest.sha1 }}",
		"operator": "Equals",
		"value": true,
		"message": "the L3 provenance's run built another commit than its source",
	},
	{
		"key": "{{ length(materials) }}",
		"operator": "Equals",
		"value": 1,
		"message": "the L3 provenance has other materials than its source",
	},
	{
		"key": "{{ materials[0].uri == invocation.configSource.uri && materials[0].digest.sha1 == invocation.configSource.digest.sha1 }}",
		"operator": "Equals",
		"value": true,
		"message": "the L3 provenance has other materials than its source",
	},
]

kyverno_slsa3_attestation := {
	"type": slsa_v02,
	"attestors": [kyverno_generator_attestor],
	"conditions": [{"all": kyverno_slsa3_conditions}],
}

kyverno_slsa_conditions := [
	{
		"key": "{{ buildDefinition.externalParameters.source.repository }}",
		"operator": "Equals",
		"value": "https://github.com/product-catalog/product-catalog",
		"message": "the provenance names another source repository",
	},
	{
		"key": "{{ length(buildDefinition.resolvedDependencies[?name == 'go.sum'].digest.sha256) }}",
		"operator": "GreaterThan",
		"value": 0,
		"message": "the provenance does not pin go.sum",
	},
	{
		"key": "{{ length(buildDefinition.resolvedDependencies[?name == 'base image'].digest.sha256) }}",
		"operator": "GreaterThan",
		"value": 0,
		"message": "the provenance does not pin the base image",
	},
]

# minversion is what the policy needs to mean what it says: Kyverno reads
# the keyless entry's subjectRegExp only from 1.14.0 (1.13 ignored it,
# CVE-2025-29778; before 1.13 the field does not exist), and without it any
# GitHub Actions workflow's signature would pass. The key policy needs
# rekor.ignoreTlog and ctlog.ignoreSCT, which came with Kyverno 1.11 (cosign
# 2.0, kyverno#7248) and were not honoured for every attestor there
# (kyverno#9915, #10023, fixed in 1.12.0); an older Kyverno refuses our
# offline-signed images, failing closed.
kyverno_policy(name, minversion, entry, more_attestations) := {
	"apiVersion": "kyverno.io/v1",
	"kind": "ClusterPolicy",
	"metadata": {
		"name": name,
		"annotations": {
			"policies.kyverno.io/title": "product-catalog images are signed and attested",
			"policies.kyverno.io/category": "Software Supply Chain Security",
			"policies.kyverno.io/subject": "Pod",
			"policies.kyverno.io/minversion": minversion,
		},
	},
	"spec": {
		"validationFailureAction": "Enforce",
		"background": false,
		"webhookTimeoutSeconds": 30,
		"failurePolicy": "Fail",
		"rules": [{
			"name": "signed-and-attested",
			"match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
			"verifyImages": [{
				"imageReferences": ["ghcr.io/product-catalog/product-catalog*"],
				"type": "Cosign",
				"mutateDigest": true,
				"verifyDigest": true,
				"required": true,
				"attestors": [{"entries": [entry]}],
				"attestations": array.concat(
					[
						{
							"type": spdx,
							"attestors": [{"entries": [entry]}],
							"conditions": [{"all": kyverno_spdx_conditions}],
						},
						{
							"type": slsa,
							"attestors": [{"entries": [entry]}],
							"conditions": [{"all": kyverno_slsa_conditions}],
						},
					],
					more_attestations,
				),
			}],
		}],
	},
}

# Keyed by the file that holds each policy; a document is matched to its
# canonical form by kind and name, wherever it is.
canonical := {
	"cip-keyless.yaml": cip_keyless,
	# Air-gapped: your key is the only trust anchor, and the provenance is
	# the one you carried over (SECURITY.md); no L3 requirement, since the
	# generator's statement is verified against Sigstore's trust root,
	# which this policy does not use.
	"cip-key.yaml": cip_policy("product-catalog-key", [{
		"name": "release-key",
		"key": {"hashAlgorithm": "sha256", "data": pem_public_key},
		"attestations": cip_attestations,
	}]),
	"kyverno-keyless.yaml": kyverno_policy("product-catalog-keyless", "1.14.0", kyverno_keyless_entry, [kyverno_slsa3_attestation]),
	"kyverno-key.yaml": kyverno_policy("product-catalog-key", "1.12.0", kyverno_key_entry, []),
}

# A body of 64-character base64 lines, as cosign writes it, or the
# placeholder the key-based files ship with; a reference to a key elsewhere
# (k8s://, a KMS URI, a variable) and a second key are not keys here.
pem_pattern := `^-----BEGIN PUBLIC KEY-----\n(REPLACE WITH THE BODY OF YOUR cosign\.pub|([A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/]{1,63}={0,2}|([A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/]{64})\n-----END PUBLIC KEY-----\n?$`

markers := {pem_public_key} | {reviewed_policy(name) | some name, _ in reviewed_policy_sha256}

matches(want, got) if {
	not want in markers
	want == got
}

matches(want, got) if {
	want == pem_public_key
	is_string(got)
	regex.match(pem_pattern, got)
}

matches(want, got) if {
	some name, sha256 in reviewed_policy_sha256
	want == reviewed_policy(name)
	is_string(got)
	crypto.sha256(got) == sha256
}

# --- Reading the files ---

combined if {
	is_array(input)
	every file in input {
		is_string(file.path)
	}
}

deny contains msg if {
	not combined
	msg := "the input is not a list of files: run conftest test --combine --parser ignore -p policy/admission/structure FILE..."
}

deny contains msg if {
	combined
	some file in input
	not raw_file(file)
	msg := sprintf("%s: not read as raw lines: run conftest test --combine --parser ignore, so that this check reads the text kubectl reads", [file.path])
}

raw_file(file) if {
	is_array(file.contents)
	every entry in file.contents {
		is_string(entry.Original)
	}
}

lines[file.path] := [entry.Original | some entry in file.contents] if {
	combined
	some file in input
	raw_file(file)
}

basename(path) := regex.replace(path, `^.*/`, "")

# A tab, a carriage return or a Unicode line break (NEL, U+2028) ends a line
# for some YAML readers and not for others, so text that looks like a
# comment here could be a field there.
deny contains msg if {
	some path, file_lines in lines
	some i, line in file_lines
	regex.match(`[^ -~]`, line)
	msg := sprintf("%s: line %d holds a character other than printable ASCII; YAML readers disagree on where its lines end", [path, i + 1])
}

# One document per file, with no document markers: kubectl applies a
# document after "--- # comment" or after "..."; one reader or another
# would hide it.
deny contains msg if {
	some path, file_lines in lines
	some i, line in file_lines
	regex.match(`^(---|\.\.\.|%)`, line)
	msg := sprintf("%s: line %d is a YAML document marker or directive (%s); each file holds exactly one document, without markers", [path, i + 1, line])
}

deny contains msg if {
	some path, _ in lines
	not path in object.keys(documents)
	msg := sprintf("%s: not valid YAML", [path])
}

documents[path] := yaml.unmarshal(text) if {
	some path, file_lines in lines
	text := concat("\n", file_lines)
	yaml.is_valid(text)
}

deny contains msg if {
	some path, doc in documents
	not is_object(doc)
	msg := sprintf("%s: holds no policy document, want one of %s", [path, concat(", ", policy_names)])
}

role[path] := name if {
	some path, doc in documents
	some name, want in canonical
	object.get(doc, "kind", null) == want.kind
	object.get(doc, ["metadata", "name"], null) == want.metadata.name
}

policy_names := sort([sprintf("%s %s (%s)", [want.kind, want.metadata.name, name]) | some name, want in canonical])

deny contains msg if {
	some path, doc in documents
	is_object(doc)
	not role[path]
	msg := sprintf("%s: %v %v is not one of the admission policies; the only documents are %s", [
		path,
		object.get(doc, "kind", "(no kind)"),
		object.get(doc, ["metadata", "name"], "(no name)"),
		concat(", ", policy_names),
	])
}

# The four files by name: each holds its own policy, and the set is whole.
# A fixture (policy/admission/denied) has a name of its own, so these
# apply only to the real set.
deny contains msg if {
	some path, _ in lines
	want := canonical[basename(path)]
	not role[path] == basename(path)
	msg := sprintf("%s: holds something other than %s %s", [path, want.kind, want.metadata.name])
}

deny contains msg if {
	some path, _ in lines
	canonical[basename(path)]
	some name, want in canonical
	not name in {basename(p) | some p, _ in lines}
	msg := sprintf("%s (%s %s) is missing: the admission policies are exactly %s", [name, want.kind, want.metadata.name, concat(", ", policy_names)])
}

# --- Comparing a document with its canonical form ---

# Every node of the canonical form, by path.
want_nodes[name] := {at: node | walk(want, [at, node])} if some name, want in canonical

# A path that leads nowhere in a document; not a value a field could hold,
# since YAML has no way to write it as a key.
absent := {"": "(absent)"}

# The document with each varying field that matches its marker replaced by
# the marker, so that a subtree equals its canonical form just when it is
# the same value.
normal[path] := json.patch(documents[path], [op |
	some at, want in want_nodes[name]
	want in markers
	matches(want, object.get(documents[path], at, absent))
	op := {"op": "replace", "path": pointer(at), "value": want}
]) if some path, name in role

pointer(at) := concat("", [sprintf("/%s", [replace(replace(sprintf("%v", [step]), "~", "~0"), "/", "~1")]) | some step in at])

# Canonical nodes that the document does not match; a node whose parent
# matches matches too, so the rules below look only at these.
differing contains [path, at] if {
	some path, name in role
	some at, want in want_nodes[name]
	object.get(normal[path], at, absent) != want
}

container(value) if is_object(value)

container(value) if is_array(value)

# Where the shapes part (an object for a list, a list of another length),
# the difference is reported there and nothing below it is compared.
parted contains [path, at] if {
	some [path, at] in differing
	want := want_nodes[role[path]][at]
	container(want)
	got := object.get(normal[path], at, absent)
	got != absent
	type_name(got) != type_name(want)
}

parted contains [path, at] if {
	some [path, at] in differing
	want := want_nodes[role[path]][at]
	is_array(want)
	got := object.get(normal[path], at, absent)
	is_array(got)
	count(got) != count(want)
}

below_parted(path, at) if {
	some [parted_path, top] in parted
	parted_path == path
	count(at) > count(top)
	array.slice(at, 0, count(top)) == top
}

differences contains [path, sprintf("%s is %s, want %s", [field(at), show(got), show(want)])] if {
	some [path, at] in parted
	not below_parted(path, at)
	want := want_nodes[role[path]][at]
	got := object.get(normal[path], at, absent)
	type_name(got) != type_name(want)
}

differences contains [path, sprintf("%s has %s, want %d: %s", [field(at), items(count(got)), count(want), show(want)])] if {
	some [path, at] in parted
	not below_parted(path, at)
	want := want_nodes[role[path]][at]
	got := object.get(normal[path], at, absent)
	is_array(got)
	count(got) != count(want)
}

differences contains [path, sprintf("%s is %s, want %s", [field(at), show(got), show_want(want)])] if {
	some [path, at] in differing
	want := want_nodes[role[path]][at]
	not container(want)
	got := object.get(normal[path], at, absent)
	got != absent
	not below_parted(path, at)
}

differences contains [path, sprintf("%s is missing, want %s", [field(at), show_want(want)])] if {
	some [path, at] in differing
	count(at) > 0
	object.get(normal[path], at, absent) == absent
	object.get(normal[path], array.slice(at, 0, count(at) - 1), absent) != absent
	not below_parted(path, at)
	want := want_nodes[role[path]][at]
}

differences contains [path, sprintf("%s is not in the canonical form (it holds %s)", [field(at), show(value)])] if {
	some [path, parent] in differing
	want := want_nodes[role[path]][parent]
	is_object(want)
	got := object.get(normal[path], parent, absent)
	is_object(got)
	got != absent
	some key, value in got
	not key in object.keys(want)
	at := array.concat(parent, [key])
	not below_parted(path, at)
}

# The image signature and both attestations are signed with the one key:
# each copy of the key must be the signature's (the shortest path).
differences contains [path, sprintf("%s holds another public key than %s; the signature and both attestations are checked against one key", [field(at), field(first)])] if {
	some path, name in role
	copies := {at: got |
		some at, want in want_nodes[name]
		want == pem_public_key
		got := object.get(documents[path], at, absent)
		got != absent
	}
	first := [at | some at, _ in copies; every other, _ in copies { count(at) <= count(other) }][0]
	some at, got in copies
	got != copies[first]
}

deny contains msg if {
	some [path, detail] in differences
	want := canonical[role[path]]
	msg := sprintf("%s: %s %s: %s", [path, want.kind, want.metadata.name, detail])
}

# A document this check could not compare is not let through.
deny contains msg if {
	some path, name in role
	not path in object.keys(normal)
	msg := sprintf("%s: could not be compared with %s", [path, name])
}

# Equal values, written otherwise: reported only when the values are equal,
# since any other difference changes the spelling too.
deny contains msg if {
	some path, name in role
	not path in {p | some [p, _] in differences}
	not spelled_as_reviewed(path, name)
	want := canonical[name]
	msg := sprintf("%s: %s %s: spelled differently from the reviewed %s (sha256 %s of its lines other than comments, blank lines and the key body, want %s); anchors, aliases, merge keys, tags, flow style, quoting and number forms can read differently in kubectl, so write it as reviewed, or review the new spelling and update reviewed_spelling_sha256", [path, want.kind, want.metadata.name, name, spelling_sha256(lines[path]), object.get(reviewed_spelling_sha256, name, "none")])
}

spelled_as_reviewed(path, name) if spelling_sha256(lines[path]) == reviewed_spelling_sha256[name]

default spelling_sha256(_) := "(none: the lines could not be read)"

spelling_sha256(file_lines) := crypto.sha256(spelling(file_lines))

# The lines that carry YAML: comments and blank lines dropped (text inside a
# block scalar is covered by the comparison of values), and each key body
# reduced to one line, so that a real key spells like the placeholder.
spelling(file_lines) := concat("\n", spelled) if {
	body := key_body(file_lines)
	spelled := [line |
		some i, text in file_lines
		not regex.match(`^\s*(#.*)?$`, text)
		not continued(body, i)
		line := key_or_text(body, i, text)
	]
}

# A key body line after the first.
continued(body, i) if {
	i in body
	(i - 1) in body
}

key_or_text(body, i, text) := text if not i in body

key_or_text(body, i, _) := "<key body>" if i in body

# The lines between a BEGIN line and the next line of dashes.
key_body(file_lines) := {i |
	dashes := [k | some k, line in file_lines; startswith(trim_space(line), "-----")]
	some n, begin in dashes
	trim_space(file_lines[begin]) == "-----BEGIN PUBLIC KEY-----"
	end := dashes[n + 1]
	end > begin + 1
	some i in numbers.range(begin + 1, end - 1)
}

# --- Messages ---

field([]) := "the document"

field(at) := trim_prefix(concat("", [step(s) | some s in at]), ".") if count(at) > 0

step(s) := sprintf("[%d]", [s]) if is_number(s)

step(s) := sprintf(".%s", [s]) if {
	is_string(s)
	regex.match(`^[A-Za-z_][A-Za-z0-9_-]*$`, s)
}

step(s) := sprintf("[%s]", [json.marshal(s)]) if {
	is_string(s)
	not regex.match(`^[A-Za-z_][A-Za-z0-9_-]*$`, s)
}

items(1) := "1 item"

items(n) := sprintf("%d items", [n]) if n != 1

show(value) := text if {
	text := json.marshal(value)
	count(text) <= 200
}

show(value) := sprintf("%s... (%d characters, sha256 %s)", [substring(text, 0, 160), count(text), crypto.sha256(value)]) if {
	is_string(value)
	text := json.marshal(value)
	count(text) > 200
}

show(value) := sprintf("%s... (%d characters)", [substring(text, 0, 160), count(text)]) if {
	not is_string(value)
	text := json.marshal(value)
	count(text) > 200
}

show_want(want) := sprintf("%s (sha256 %s)", [want, reviewed_policy_sha256[name]]) if {
	some name, _ in reviewed_policy_sha256
	want == reviewed_policy(name)
}

show_want(want) := want if want == pem_public_key

show_want(want) := show(want) if not want in markers
