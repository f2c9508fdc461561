# Structural checks on the admission policies in policy/admission, run by
# `conftest test --combine` (input: [{path, contents}]). They catch edits that
# would quietly weaken a policy: a looser image match, a missing attestation,
# an identity that is not this repository's workflow, Audit instead of
# Enforce. The key-based ClusterImagePolicy is also exercised for real by the
# policy-controller tester (build/supply-chain/test.sh); the Kyverno policies
# are checked only here, because the Kyverno CLI is too large to build on
# every test machine.
package main

import rego.v1

our_image := "ghcr.io/product-catalog/product-catalog"

github_issuer := "https://token.actions.githubusercontent.com"

our_workflow_prefix := `^https://github\.com/product-catalog/product-catalog/\.github/workflows/ci\.yml@refs/`

spdx := "https://spdx.dev/Document"

slsa := "https://slsa.dev/provenance/v1"

docs contains [file.path, doc] if {
	some file in input
	some doc in as_list(file.contents)
	is_object(doc)
}

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

cips contains [path, doc] if {
	some [path, doc] in docs
	doc.kind == "ClusterImagePolicy"
}

kyvernos contains [path, doc] if {
	some [path, doc] in docs
	doc.kind == "ClusterPolicy"
}

deny contains msg if {
	some [path, doc] in docs
	not doc.kind in {"ClusterImagePolicy", "ClusterPolicy"}
	msg := sprintf("%s: unexpected kind %v", [path, doc.kind])
}

# --- sigstore policy-controller ---

deny contains msg if {
	some [path, doc] in cips
	doc.apiVersion != "policy.sigstore.dev/v1beta1"
	msg := sprintf("%s: apiVersion %v, want policy.sigstore.dev/v1beta1", [path, doc.apiVersion])
}

deny contains msg if {
	some [path, doc] in cips
	some image in doc.spec.images
	not startswith(image.glob, our_image)
	msg := sprintf("%s: image glob %v reaches beyond %s", [path, image.glob, our_image])
}

deny contains msg if {
	some [path, doc] in cips
	some authority in doc.spec.authorities
	not authority.key
	not authority.keyless
	msg := sprintf("%s: authority %v names neither a key nor a keyless identity", [path, authority.name])
}

deny contains msg if {
	some [path, doc] in cips
	some authority in doc.spec.authorities
	some identity in authority.keyless.identities
	not our_identity(identity.issuer, identity.subjectRegExp)
	msg := sprintf("%s: authority %v trusts an identity other than this repository's CI workflow", [path, authority.name])
}

deny contains msg if {
	some [path, doc] in cips
	some authority in doc.spec.authorities
	authority.key
	not contains(authority.key.data, "-----BEGIN PUBLIC KEY-----")
	msg := sprintf("%s: authority %v has no PEM public key", [path, authority.name])
}

deny contains msg if {
	some [path, doc] in cips
	some authority in doc.spec.authorities
	some wanted in [spdx, slsa]
	not cip_requires(authority, wanted)
	msg := sprintf("%s: authority %v does not require a %s attestation with a policy", [path, authority.name, wanted])
}

cip_requires(authority, type) if {
	some att in authority.attestations
	att.predicateType == type
	att.policy.type in {"rego", "cue"}
	count(trim_space(att.policy.data)) > 0
}

# Both variants must hold the same conditions on the attestations.
deny contains msg if {
	some [path_a, a] in cips
	some [path_b, b] in cips
	path_a < path_b
	a.spec.authorities[0].attestations != b.spec.authorities[0].attestations
	msg := sprintf("%s and %s: the attestation conditions differ", [path_a, path_b])
}

# --- Kyverno ---

deny contains msg if {
	some [path, doc] in kyvernos
	doc.apiVersion != "kyverno.io/v1"
	msg := sprintf("%s: apiVersion %v, want kyverno.io/v1", [path, doc.apiVersion])
}

deny contains msg if {
	some [path, doc] in kyvernos
	doc.spec.validationFailureAction != "Enforce"
	msg := sprintf("%s: validationFailureAction is %v, want Enforce", [path, doc.spec.validationFailureAction])
}

deny contains msg if {
	some [path, doc] in kyvernos
	doc.spec.failurePolicy != "Fail"
	msg := sprintf("%s: failurePolicy is %v, want Fail (an unreachable webhook must not admit)", [path, doc.spec.failurePolicy])
}

verify_images contains [path, rule.name, vi] if {
	some [path, doc] in kyvernos
	some rule in doc.spec.rules
	some vi in rule.verifyImages
}

deny contains msg if {
	some [path, doc] in kyvernos
	count([vi | some rule in doc.spec.rules; some vi in rule.verifyImages]) == 0
	msg := sprintf("%s: no verifyImages rule", [path])
}

deny contains msg if {
	some [path, rule, vi] in verify_images
	some ref in vi.imageReferences
	not startswith(ref, our_image)
	msg := sprintf("%s: rule %s: imageReference %v reaches beyond %s", [path, rule, ref, our_image])
}

deny contains msg if {
	some [path, rule, vi] in verify_images
	some setting in ["required", "verifyDigest", "mutateDigest"]
	object.get(vi, setting, false) != true
	msg := sprintf("%s: rule %s: %s must be true", [path, rule, setting])
}

deny contains msg if {
	some [path, rule, vi] in verify_images
	some entry in kyverno_entries(vi)
	not good_entry(entry)
	msg := sprintf("%s: rule %s: an attestor is neither this repository's CI identity nor a PEM public key", [path, rule])
}

deny contains msg if {
	some [path, rule, vi] in verify_images
	count(vi.attestors) == 0
	msg := sprintf("%s: rule %s: no attestors for the image signature", [path, rule])
}

deny contains msg if {
	some [path, rule, vi] in verify_images
	some wanted in [spdx, slsa]
	not kyverno_requires(vi, wanted)
	msg := sprintf("%s: rule %s: no %s attestation with attestors and conditions", [path, rule, wanted])
}

kyverno_entries(vi) := [entry |
	some group in array.concat(vi.attestors, [a | some att in vi.attestations; some a in att.attestors])
	some entry in group.entries
]

good_entry(entry) if our_identity(entry.keyless.issuer, entry.keyless.subjectRegExp)

good_entry(entry) if contains(entry.keys.publicKeys, "-----BEGIN PUBLIC KEY-----")

kyverno_requires(vi, type) if {
	some att in vi.attestations
	att.type == type
	count(att.attestors) > 0
	count(att.conditions) > 0
}

our_identity(issuer, subject) if {
	issuer == github_issuer
	startswith(subject, our_workflow_prefix)
	endswith(subject, "$")
}
