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
	object.get(doc, "apiVersion", "missing") != "policy.sigstore.dev/v1beta1"
	msg := sprintf("%s: apiVersion %v, want policy.sigstore.dev/v1beta1", [path, object.get(doc, "apiVersion", "missing")])
}

# A policy that matches no image, or names no authority, admits everything.
deny contains msg if {
	some [path, doc] in cips
	some field in ["images", "authorities"]
	count(object.get(doc, ["spec", field], [])) == 0
	msg := sprintf("%s: spec.%s is missing or empty", [path, field])
}

# mode: warn admits what fails; enforce is the default when mode is absent.
deny contains msg if {
	some [path, doc] in cips
	mode := object.get(doc, ["spec", "mode"], "enforce")
	mode != "enforce"
	msg := sprintf("%s: spec.mode is %v, want enforce", [path, mode])
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
	object.get(doc, "apiVersion", "missing") != "kyverno.io/v1"
	msg := sprintf("%s: apiVersion %v, want kyverno.io/v1", [path, object.get(doc, "apiVersion", "missing")])
}

# Kyverno audits unless told to enforce: a rule's own failureAction (1.13
# and later), else the policy's validationFailureAction, must say Enforce.
deny contains msg if {
	some [path, rule, vi] in verify_images
	action := object.get(vi, "failureAction", object.get(kyverno_doc[path], ["spec", "validationFailureAction"], "missing (Audit)"))
	not action in {"Enforce", "enforce"}
	msg := sprintf("%s: rule %s: the failure action is %v, want Enforce", [path, rule, action])
}

deny contains msg if {
	some [path, doc] in kyvernos
	some override in object.get(doc, ["spec", "validationFailureActionOverrides"], [])
	not override.action in {"Enforce", "enforce"}
	msg := sprintf("%s: validationFailureActionOverrides sets %v for %v, want no exception to Enforce", [path, override.action, object.get(override, "namespaces", "all namespaces")])
}

deny contains msg if {
	some [path, doc] in kyvernos
	object.get(doc, ["spec", "failurePolicy"], "missing") != "Fail"
	msg := sprintf("%s: failurePolicy is %v, want Fail (an unreachable webhook must not admit)", [path, object.get(doc, ["spec", "failurePolicy"], "missing")])
}

kyverno_doc[path] := doc if some [path, doc] in kyvernos

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
