# The structure of .github/workflows/ci.yml, checked by conftest:
#   conftest test -p policy/workflow .github/workflows/ci.yml
# What SECURITY.md promises about the release, as rules on the workflow:
# nothing is signed before its SBOM is audited, its binaries pass
# govulncheck and its image scan finds no fixable critical or high
# vulnerability; releasing jobs wait for every test, never run for pull
# requests, restore no cache and start from a tag on main; every action and
# every image that builds the release is pinned.
package main

import rego.v1

jobs := input.jobs

steps(job) := object.get(job, "steps", [])

# A job's permissions, or the workflow's when it sets none.
permissions(job) := object.get(job, "permissions", object.get(input, "permissions", {}))

writes(job) if {
	some scope, level in permissions(job)
	level == "write"
}

writes(job) if permissions(job) == "write-all"

# The tests: jobs that run for every event and hold no write permission.
gating_jobs := {name |
	some name, job in jobs
	not job["if"]
	not job.needs
	not writes(job)
}

needs(job) := job.needs if is_array(job.needs)

needs(job) := [job.needs] if is_string(job.needs)

needs(job) := [] if not job.needs

excludes_pull_requests(job) if contains(object.get(job, "if", ""), "github.event_name != 'pull_request'")

# ${{ env.NAME }} in a value, resolved from the workflow's env.
resolve(value) := resolved if {
	name := regex.find_all_string_submatch_n(`^\$\{\{ *env\.([A-Za-z_][A-Za-z0-9_]*) *\}\}$`, value, 1)[0][1]
	resolved := object.get(object.get(input, "env", {}), name, "")
} else := value

pinned_image(ref) if regex.match(`@sha256:[a-f0-9]{64}$`, ref)

deny contains msg if {
	some level in object.get(input, "permissions", {})
	level == "write"
	msg := "the workflow's own permissions grant write: grant it only in the jobs that need it"
}

deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	step.uses
	not startswith(step.uses, "./")
	not regex.match(`@[0-9a-f]{40}$`, step.uses)
	msg := sprintf("job %s: %s is not pinned by commit SHA", [name, step.uses])
}

deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	startswith(object.get(step, "uses", ""), "actions/checkout@")
	object.get(step, ["with", "persist-credentials"], true) != false
	msg := sprintf("job %s: actions/checkout without persist-credentials: false leaves the token in .git/config", [name])
}

# Script injection: event data reaches run scripts only through env.
deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	contains(object.get(step, "run", ""), "${{")
	msg := sprintf("job %s, step %q: ${{ }} inside run; pass it through env", [name, object.get(step, "name", step.run)])
}

deny contains msg if {
	some name, job in jobs
	writes(job)
	not excludes_pull_requests(job)
	msg := sprintf("job %s holds write permissions but may run for pull requests", [name])
}

deny contains msg if {
	some name, job in jobs
	writes(job)
	some gate in (gating_jobs | {"release-gate"})
	not gate in needs(job)
	msg := sprintf("job %s holds write permissions but does not need %s", [name, gate])
}

deny contains msg if {
	not jobs["release-gate"]
	msg := "no release-gate job"
}

deny contains msg if {
	gate := jobs["release-gate"]
	not gate_checks_ancestry(gate)
	msg := "release-gate does not check that a tag's commit is on main (git merge-base --is-ancestor)"
}

gate_checks_ancestry(gate) if {
	some step in steps(gate)
	contains(object.get(step, "run", ""), "git merge-base --is-ancestor")
	contains(step.run, "origin/main")
}

# Caches a pull request can write must not reach a release.
deny contains msg if {
	some name, job in jobs
	writes(job)
	some step in steps(job)
	restores_cache(step)
	msg := sprintf("job %s holds write permissions but restores a cache (%s)", [name, step.uses])
}

restores_cache(step) if {
	startswith(step.uses, "actions/setup-go@")
	object.get(step, ["with", "cache"], true) != false
}

restores_cache(step) if startswith(step.uses, "actions/cache@")

restores_cache(step) if {
	startswith(step.uses, "docker/build-push-action@")
	step["with"]["cache-from"]
}

restores_cache(step) if {
	startswith(step.uses, "docker/build-push-action@")
	object.get(step, ["with", "no-cache"], false) != true
}

deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	startswith(object.get(step, "uses", ""), "docker/setup-buildx-action@")
	image := resolve(trim_prefix(object.get(step, ["with", "driver-opts"], "image=unpinned"), "image="))
	not pinned_image(image)
	msg := sprintf("job %s: setup-buildx-action's BuildKit image %q is not pinned by digest", [name, image])
}

deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	startswith(object.get(step, "uses", ""), "docker/build-push-action@")
	object.get(step, ["with", "sbom"], false) != false
	msg := sprintf("job %s: build-push-action's sbom input runs BuildKit's default, unpinned SBOM generator; use attests with a pinned generator", [name])
}

deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	startswith(object.get(step, "uses", ""), "docker/build-push-action@")
	step["with"].push == true
	generator := resolve(regex.replace(object.get(step, ["with", "attests"], ""), `^.*generator=`, ""))
	not pinned_image(generator)
	msg := sprintf("job %s: the SBOM generator %q is not pinned by digest", [name, generator])
}

# A pushed build uses a supported Go, not the Dockerfile's 1.22 default.
deny contains msg if {
	some name, job in jobs
	some step in steps(job)
	startswith(object.get(step, "uses", ""), "docker/build-push-action@")
	step["with"].push == true
	go_image := release_go_image(step)
	not supported_go(go_image)
	msg := sprintf("job %s: the release builds with GO_IMAGE %q, not a supported Go pinned by digest", [name, go_image])
}

release_go_image(step) := resolve(trim_prefix(line, "GO_IMAGE=")) if {
	some line in split(object.get(step, ["with", "build-args"], ""), "\n")
	startswith(line, "GO_IMAGE=")
} else := "the Dockerfile's default (Go 1.22)"

supported_go(image) if {
	pinned_image(image)
	not regex.match(`^golang:1\.(1[0-9]|2[0-2])([.-]|$)`, image)
}

# Signing comes last: after the SBOM audit, govulncheck on the binaries and
# the image scan, in the same job.
sign_step(job) := i if {
	some i, step in steps(job)
	contains(object.get(step, "run", ""), "make sign")
}

deny contains msg if {
	some name, job in jobs
	i := sign_step(job)
	some command in ["make sbom-audit", "make vulncheck"]
	not runs_before(job, i, command)
	msg := sprintf("job %s signs before %s has run", [name, command])
}

deny contains msg if {
	some name, job in jobs
	i := sign_step(job)
	not scans_before(job, i)
	msg := sprintf("job %s signs before a vulnerability scan that fails on fixable critical and high findings", [name])
}

runs_before(job, i, command) if {
	some j, step in steps(job)
	j < i
	contains(object.get(step, "run", ""), command)
}

scans_before(job, i) if {
	some j, step in steps(job)
	j < i
	startswith(object.get(step, "uses", ""), "anchore/scan-action@")
	step["with"]["fail-build"] == true
	step["with"]["only-fixed"] == true
	step["with"]["severity-cutoff"] in {"high", "medium", "low", "negligible"}
}

deny contains msg if {
	some name, job in jobs
	writes(job)
	not sign_step(job)
	msg := sprintf("job %s holds write permissions but signs nothing (make sign)", [name])
}

# SECURITY.md's promise after a release: the verified images run on a real
# cluster under the policy-controller's webhook (build/k8s/kind.sh), from a
# job that needs the verification and writes nothing.
verify_jobs := {name |
	some name, job in jobs
	some step in steps(job)
	contains(object.get(step, "run", ""), "make verify")
}

deploys_verified_images(job) if {
	some step in steps(job)
	contains(object.get(step, "run", ""), "build/k8s/kind.sh")
	some name in verify_jobs
	name in needs(job)
	not writes(job)
}

deny contains msg if {
	not any_job_deploys_verified_images
	msg := "no read-only job runs build/k8s/kind.sh after the job that runs make verify"
}

any_job_deploys_verified_images if {
	some job in jobs
	deploys_verified_images(job)
}
