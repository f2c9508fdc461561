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

test_kyverno_without_failure_action_audits if {
	denies(json.remove(kyverno, ["spec/validationFailureAction"]), "the failure action is missing (Audit), want Enforce")
}

test_kyverno_rule_failure_action_audit if {
	denies(json.patch(kyverno, [{"op": "add", "path": "/spec/rules/0/verifyImages/0/failureAction", "value": "Audit"}]), "the failure action is Audit")
}

test_kyverno_rule_failure_action_enforce_alone if {
	enforced := json.patch(json.remove(kyverno, ["spec/validationFailureAction"]), [{"op": "add", "path": "/spec/rules/0/verifyImages/0/failureAction", "value": "Enforce"}])
	count(deny) == 0 with input as files(enforced)
}

test_kyverno_audit_override if {
	denies(json.patch(kyverno, [{"op": "add", "path": "/spec/validationFailureActionOverrides", "value": [{"action": "Audit", "namespaces": ["dev"]}]}]), "validationFailureActionOverrides sets Audit")
}

test_missing_fields_fail_closed if {
	every c in [
		[kyverno, "spec/failurePolicy", "failurePolicy is missing"],
		[kyverno, "apiVersion", "apiVersion missing"],
		[cip, "apiVersion", "apiVersion missing"],
		[cip, "spec/images", "spec.images is missing"],
		[cip, "spec/authorities", "spec.authorities is missing"],
	] {
		denies(json.remove(c[0], [c[1]]), c[2])
	}
}

test_cip_warn_mode if {
	denies(json.patch(cip, [{"op": "add", "path": "/spec/mode", "value": "warn"}]), "spec.mode is warn")
}
