package main

import rego.v1

sha := "11bd71901bbe5b1630ceea73d27597364c9af683"

digest := "sha256:6c2fa84a6b61ccd72899dde4239f8d5717f05f9a8ca6f3cad185fb1a95a94de3"

checkout := {"uses": concat("@", ["actions/checkout", sha]), "with": {"persist-credentials": false}}

setup_go := {"uses": concat("@", ["actions/setup-go", sha]), "with": {"go-version": "1.26", "cache": false}}

scan := {"uses": concat("@", ["anchore/scan-action", sha]), "with": {"fail-build": true, "only-fixed": true, "severity-cutoff": "high"}}

build := {"uses": concat("@", ["docker/build-push-action", sha]), "with": {
	"push": true, "no-cache": true,
	"build-args": "GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\nVERSION=x\n",
	"attests": "type=sbom,generator=${{ env.SBOM_GENERATOR }}",
}}

good := {
	"permissions": {"contents": "read"},
	"env": {
		"RELEASE_GO_IMAGE": concat("@", ["golang:1.27-alpine", digest]),
		"SBOM_GENERATOR": concat("@", ["docker/buildkit-syft-scanner:1.12.0", digest]),
		"BUILDKIT_IMAGE": concat("@", ["moby/buildkit:v0.33.0", digest]),
	},
	"jobs": {
		"go": {"steps": [checkout, {"run": "make test-go"}]},
		"release-gate": {
			"if": "github.event_name != 'pull_request'", "needs": ["go"],
			"steps": [checkout, {"run": "git merge-base --is-ancestor \"$GITHUB_SHA\" origin/main"}],
		},
		"image": {
			"if": "github.event_name != 'pull_request'", "needs": ["go", "release-gate"],
			"permissions": {"contents": "read", "packages": "write", "id-token": "write"},
			"steps": [
				checkout,
				{"uses": concat("@", ["docker/setup-buildx-action", sha]), "with": {"driver-opts": "image=${{ env.BUILDKIT_IMAGE }}"}},
				build, setup_go,
				{"run": "make sbom-audit IMAGE=\"$IMAGE\""},
				{"run": "make vulncheck IMAGE=\"$IMAGE\""},
				scan,
				{"run": "make sign IMAGE=\"$IMAGE\""},
			],
		},
		"verify": {"needs": ["image"], "steps": [checkout, {"run": "make verify IMAGE=\"$IMAGE\""}]},
		"kubernetes": {"needs": ["image", "verify"], "steps": [checkout, {"run": "build/k8s/kind.sh"}]},
	},
}

denied(patch, want) if {
	some msg in deny with input as json.patch(good, patch)
	contains(msg, want)
}

test_good_workflow_passes if {
	count(deny) == 0 with input as good
}

test_action_by_tag if {
	denied([{"op": "replace", "path": "/jobs/go/steps/0/uses", "value": "actions/checkout@v4"}], "is not pinned by commit SHA")
}

test_checkout_persists_credentials if {
	denied([{"op": "remove", "path": "/jobs/go/steps/0/with"}], "persist-credentials")
}

test_expression_in_run if {
	denied([{"op": "replace", "path": "/jobs/go/steps/1/run", "value": "echo ${{ github.event.pull_request.title }}"}], "pass it through env")
}

test_workflow_wide_write if {
	denied([{"op": "add", "path": "/permissions/packages", "value": "write"}], "the workflow's own permissions grant write")
}

test_writer_runs_for_pull_requests if {
	denied([{"op": "remove", "path": "/jobs/image/if"}], "may run for pull requests")
}

test_writer_skips_a_test_job if {
	denied([{"op": "replace", "path": "/jobs/image/needs", "value": ["release-gate"]}], "does not need go")
}

test_writer_skips_the_gate if {
	denied([{"op": "replace", "path": "/jobs/image/needs", "value": ["go"]}], "does not need release-gate")
}

test_gate_without_ancestry_check if {
	denied([{"op": "replace", "path": "/jobs/release-gate/steps/1/run", "value": "true"}], "merge-base --is-ancestor")
}

test_writer_restores_go_cache if {
	denied([{"op": "remove", "path": "/jobs/image/steps/3/with/cache"}], "restores a cache")
}

test_writer_restores_build_cache if {
	denied([{"op": "add", "path": "/jobs/image/steps/2/with/cache-from", "value": "type=gha"}], "restores a cache")
}

test_writer_builds_with_layer_cache if {
	denied([{"op": "remove", "path": "/jobs/image/steps/2/with/no-cache"}], "restores a cache")
}

test_buildkit_unpinned if {
	denied([{"op": "replace", "path": "/env/BUILDKIT_IMAGE", "value": "moby/buildkit:v0.33.0"}], "BuildKit image \"moby/buildkit:v0.33.0\" is not pinned")
}

test_default_sbom_generator if {
	denied([{"op": "add", "path": "/jobs/image/steps/2/with/sbom", "value": true}], "unpinned SBOM generator")
}

test_sbom_generator_unpinned if {
	denied([{"op": "replace", "path": "/env/SBOM_GENERATOR", "value": "docker/buildkit-syft-scanner:stable-1"}], "SBOM generator \"docker/buildkit-syft-scanner:stable-1\" is not pinned")
}

test_release_with_default_go if {
	denied([{"op": "replace", "path": "/jobs/image/steps/2/with/build-args", "value": "VERSION=x\n"}], "the Dockerfile's default (Go 1.22)")
}

test_release_with_go_1_22 if {
	denied([{"op": "replace", "path": "/env/RELEASE_GO_IMAGE", "value": concat("@", ["golang:1.22-alpine", digest])}], "not a supported Go")
}

test_sign_before_audit if {
	denied([{"op": "replace", "path": "/jobs/image/steps/4/run", "value": "true"}], "signs before make sbom-audit")
}

test_sign_before_vulncheck if {
	denied([{"op": "move", "from": "/jobs/image/steps/5", "path": "/jobs/image/steps/7"}], "signs before make vulncheck")
}

test_scan_that_does_not_fail if {
	denied([{"op": "replace", "path": "/jobs/image/steps/6/with/fail-build", "value": false}], "signs before a vulnerability scan")
}

test_scan_of_unfixable_only_or_critical_only if {
	denied([{"op": "replace", "path": "/jobs/image/steps/6/with/severity-cutoff", "value": "critical"}], "signs before a vulnerability scan")
	denied([{"op": "remove", "path": "/jobs/image/steps/6/with/only-fixed"}], "signs before a vulnerability scan")
}

test_writer_that_signs_nothing if {
	denied([{"op": "remove", "path": "/jobs/image/steps/7"}], "signs nothing")
}

test_no_kubernetes_job if {
	denied([{"op": "remove", "path": "/jobs/kubernetes"}], "no read-only job runs build/k8s/kind.sh")
}

test_kubernetes_job_before_verification if {
	denied([{"op": "replace", "path": "/jobs/kubernetes/needs", "value": ["image"]}], "no read-only job runs build/k8s/kind.sh")
}

test_kubernetes_job_that_writes if {
	denied([{"op": "add", "path": "/jobs/kubernetes/permissions", "value": {"packages": "write"}}], "no read-only job runs build/k8s/kind.sh")
}
