# The SLSA v1 provenance attestation (cosign --type slsaprovenance1) of a
# product-catalog image must say that this repository built it, from which
# commit, with which go.sum and base image.
#
# cosign verify-attestation --policy reads this file as Rego v0 and asks for
# data.signature.allow; conftest reads deny for the reasons.
package signature

import rego.v1

source_repository := "https://github.com/product-catalog/product-catalog"

default allow := false

allow if count(deny) == 0

# Every field is read through field(), which gives "missing" for an absent
# one: a comparison with an undefined value would be undefined too, and the
# deny it guards would never fire. Missing fields fail closed.
field(path) := object.get(input, path, "missing")

definition := input.predicate.buildDefinition

deny contains "predicateType is not https://slsa.dev/provenance/v1" if {
	field(["predicateType"]) != "https://slsa.dev/provenance/v1"
}

deny contains msg if {
	repository := field(["predicate", "buildDefinition", "externalParameters", "source", "repository"])
	repository != source_repository
	msg := sprintf("the source repository is %v, not %s", [repository, source_repository])
}

deny contains msg if {
	build_type := field(["predicate", "buildDefinition", "buildType"])
	not startswith(build_type, concat("", [source_repository, "/"]))
	msg := sprintf("buildType %v is not defined in %s", [build_type, source_repository])
}

deny contains "the source commit is not a full git commit id" if {
	not regex.match(`^[0-9a-f]{40}$`, field(["predicate", "buildDefinition", "externalParameters", "source", "commit"]))
}

deny contains "no resolved dependency pins the source commit" if not pins_commit

deny contains "no resolved dependency pins go.sum by sha256" if not pins_go_sum

deny contains "no resolved dependency pins the base image by digest" if not pins_base_image

deny contains "runDetails.builder.id is empty" if {
	object.get(input.predicate, ["runDetails", "builder", "id"], "") == ""
}

# Every digest a resolved dependency gives must be one a verifier can look
# up: a sha256 of 64 hex, a git commit of 40, neither all zeros.
deny contains msg if {
	some i, d in definition.resolvedDependencies
	some algorithm, value in object.get(d, "digest", {"missing": "missing"})
	not real_digest(algorithm, value)
	msg := sprintf("resolvedDependencies[%d] has digest %v %v, not a real sha256 or gitCommit", [i, algorithm, value])
}

real_digest("sha256", value) if {
	regex.match(`^[0-9a-f]{64}$`, value)
	not regex.match(`^0+$`, value)
}

real_digest("gitCommit", value) if {
	regex.match(`^[0-9a-f]{40}$`, value)
	not regex.match(`^0+$`, value)
}

pins_commit if {
	some d in definition.resolvedDependencies
	d.digest.gitCommit == definition.externalParameters.source.commit
}

pins_go_sum if {
	some d in definition.resolvedDependencies
	d.name == "go.sum"
	regex.match(`^[0-9a-f]{64}$`, d.digest.sha256)
}

pins_base_image if {
	some d in definition.resolvedDependencies
	d.name == "base image"
	regex.match(`^[0-9a-f]{64}$`, d.digest.sha256)
}
