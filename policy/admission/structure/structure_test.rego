package main

import rego.v1

cip := {
	"apiVersion": "policy.sigstore.dev/v1beta1",
	"kind": "ClusterImagePolicy",
	"spec": {
		"images": [{"glob": "ghcr.io/product-catalog/product-catalog**"}],
		"authorities": [{
			"name": "ci",
			"keyless": {"identities": [{
				"issuer": "https://token.actions.githubusercontent.com",
				"subjectRegExp": `^https://github\.com/product-catalog/product-catalog/\.github/workflows/ci\.yml@refs/heads/main$`,
			}]},
			"attestations": [
				{"name": "sbom", "predicateType": "https://spdx.dev/Document", "policy": {"type": "rego", "data": "package sigstore"}},
				{"name": "prov", "predicateType": "https://slsa.dev/provenance/v1", "policy": {"type": "rego", "data": "package sigstore"}},
			],
		}],
	},
}

kyverno := {
	"apiVersion": "kyverno.io/v1",
	"kind": "ClusterPolicy",
	"spec": {
		"validationFailureAction": "Enforce",
		"failurePolicy": "Fail",
		"rules": [{"name": "r", "verifyImages": [{
			"imageReferences": ["ghcr.io/product-catalog/product-catalog*"],
			"required": true, "verifyDigest": true, "mutateDigest": true,
			"attestors": [{"entries": [{"keys": {"publicKeys": "-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----"}}]}],
			"attestations": [
				{"type": "https://spdx.dev/Document", "attestors": [{"entries": [{"keys": {"publicKeys": "-----BEGIN PUBLIC KEY-----"}}]}], "conditions": [{"all": [{}]}]},
				{"type": "https://slsa.dev/provenance/v1", "attestors": [{"entries": [{"keys": {"publicKeys": "-----BEGIN PUBLIC KEY-----"}}]}], "conditions": [{"all": [{}]}]},
			],
		}]}],
	},
}

files(doc) := [{"path": "p.yaml", "contents": doc}]

denies(doc, fragment) if {
	some msg in deny with input as files(doc)
	contains(msg, fragment)
}

test_good_policies_pass if {
	count(deny) == 0 with input as [{"path": "a.yaml", "contents": cip}, {"path": "b.yaml", "contents": kyverno}]
}

test_cip_glob_beyond_our_image if {
	denies(json.patch(cip, [{"op": "replace", "path": "/spec/images/0/glob", "value": "**"}]), "reaches beyond")
}

test_cip_foreign_identity if {
	bad := json.patch(cip, [{"op": "replace", "path": "/spec/authorities/0/keyless/identities/0/subjectRegExp", "value": ".*"}])
	denies(bad, "identity other than")
}

test_cip_missing_provenance if {
	denies(json.patch(cip, [{"op": "remove", "path": "/spec/authorities/0/attestations/1"}]), "https://slsa.dev/provenance/v1 attestation")
}

test_cip_variants_must_agree if {
	other := json.patch(cip, [{"op": "replace", "path": "/spec/authorities/0/attestations/0/policy/data", "value": "package sigstore\nisCompliant := true"}])
	some msg in deny with input as [{"path": "a.yaml", "contents": cip}, {"path": "b.yaml", "contents": other}]
	contains(msg, "attestation conditions differ")
}

test_kyverno_audit_only if {
	denies(json.patch(kyverno, [{"op": "replace", "path": "/spec/validationFailureAction", "value": "Audit"}]), "want Enforce")
}

test_kyverno_digest_not_verified if {
	denies(json.patch(kyverno, [{"op": "replace", "path": "/spec/rules/0/verifyImages/0/verifyDigest", "value": false}]), "verifyDigest must be true")
}

test_kyverno_attestation_without_conditions if {
	denies(json.patch(kyverno, [{"op": "replace", "path": "/spec/rules/0/verifyImages/0/attestations/0/conditions", "value": []}]), "https://spdx.dev/Document attestation")
}

test_kyverno_attestor_without_key if {
	bad := json.patch(kyverno, [{"op": "replace", "path": "/spec/rules/0/verifyImages/0/attestors/0/entries/0", "value": {"keys": {"publicKeys": "k8s://ns/secret"}}}])
	denies(bad, "neither this repository's CI identity nor a PEM public key")
}
