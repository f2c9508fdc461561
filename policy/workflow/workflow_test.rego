package main

import rego.v1

uses(name) := concat("@", [name, actions[name].sha])

digest := "sha256:6c2fa84a6b61ccd72899dde4239f8d5717f05f9a8ca6f3cad185fb1a95a94de3"

checkout := {"uses": uses("actions/checkout"), "with": {"persist-credentials": false}}

setup_go := {"uses": uses("actions/setup-go"), "with": {"go-version": "${{ env.GO_VERSION }}", "cache": false}}

login := {"uses": uses("docker/login-action"), "with": {
	"registry": "ghcr.io",
	"username": "${{ github.actor }}",
	"password": "${{ secrets.GITHUB_TOKEN }}",
}}

buildx := {"uses": uses("docker/setup-buildx-action"), "with": {"driver-opts": "image=${{ env.BUILDKIT_IMAGE }}"}}

scan := {"uses": uses("anchore/scan-action"), "with": {
	"image": "${{ steps.build.outputs.image }}",
	"fail-build": true, "only-fixed": true, "severity-cutoff": "high",
	"registry-username": "${{ github.actor }}",
	"registry-password": "${{ secrets.GITHUB_TOKEN }}",
}}

epoch := {"name": "Epoch", "id": "epoch", "run": epoch_script}

build := {"id": "build", "uses": uses("docker/build-push-action"), "with": build_with.release}

compare := {
	"name": "Reproduced",
	"env": {"IMAGE": "${{ steps.build.outputs.image }}", "REPRODUCED": "${{ needs.reproducible.outputs.platforms }}"},
	"run": compare_script,
}

audit := {"env": {"IMAGE": "${{ steps.build.outputs.image }}"}, "run": "make sbom IMAGE=\"$IMAGE\"\nmake sbom-audit IMAGE=\"$IMAGE\"\n"}

vulncheck := {"env": {"IMAGE": "${{ steps.build.outputs.image }}"}, "run": "make vulncheck IMAGE=\"$IMAGE\"\nmake vulncheck IMAGE=\"$IMAGE\" GOVULNDB=https://vuln.go.dev\n"}

sign := {"name": "Sign", "env": {"IMAGE": "${{ steps.build.outputs.image }}"}, "run": "make sign IMAGE=\"$IMAGE\""}

gating_job(command) := {"runs-on": "ubuntu-24.04", "steps": [checkout, setup_go, {"name": "Test", "run": command}]}

tests_and_gate := ["go", "policy", "image-test", "supply-chain-test", "reproducible", "release-gate"]

repro_build := {
	"runs-on": "ubuntu-24.04",
	"outputs": {"digest": "${{ steps.index.outputs.digest }}", "platforms": "${{ steps.index.outputs.platforms }}"},
	"steps": [
		checkout, buildx, epoch,
		{"id": "build", "uses": uses("docker/build-push-action"), "with": build_with["reproducibility build"]},
		{"id": "index", "env": {"METADATA": "${{ steps.build.outputs.metadata }}"}, "run": reproducible_index_script},
	],
}

generator := "slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0"

provenance_call(job) := {
	"if": "github.event_name != 'pull_request'",
	"needs": array.concat(tests_and_gate, [job]),
	"permissions": {"actions": "read", "id-token": "write", "packages": "write"},
	"uses": generator,
	"with": {
		"image": sprintf("${{ needs.%s.outputs.name }}", [job]),
		"digest": sprintf("${{ needs.%s.outputs.digest }}", [job]),
		"registry-username": "${{ github.actor }}",
	},
	"secrets": {"registry-password": "${{ secrets.GITHUB_TOKEN }}"},
}

releasing := {"contents": "read", "packages": "write", "id-token": "write"}

reading := {"contents": "read", "packages": "read"}

# ci.yml in brief, as conftest reads it (`on` is the key "true").
good := {
	"name": "ci",
	"true": {"pull_request": null, "push": {"branches": ["main"], "tags": ["v*"]}},
	"permissions": {"contents": "read"},
	"concurrency": {"group": "ci-${{ github.ref }}", "cancel-in-progress": "${{ github.event_name == 'pull_request' }}"},
	"env": {
		"GO_VERSION": "1.27.3",
		"RELEASE_GO_IMAGE": concat("@", ["golang:1.27-alpine", digest]),
		"SBOM_GENERATOR": concat("@", ["docker/buildkit-syft-scanner:1.12.0", digest]),
		"BUILDKIT_IMAGE": concat("@", ["moby/buildkit:v0.33.0", digest]),
	},
	"jobs": {
		"go": {"runs-on": "ubuntu-24.04", "steps": [
			checkout, setup_go,
			{"uses": uses("actions/setup-node"), "with": {"node-version": "22"}},
			{"name": "Lint", "run": "make lint"},
			{"run": "make test-go test-contract fuzz-short test-scripts"},
			{"run": "make test-vuln"},
			{"name": "Live vulnerability database", "env": {"GOVULNDB": "https://vuln.go.dev"}, "run": "build/vuln/check.sh"},
		]},
		"policy": gating_job("make test-policy"),
		"image-test": gating_job("make test-image"),
		"supply-chain-test": gating_job("make test-supply-chain"),
		"pr-image": {
			"if": "github.event_name == 'pull_request'", "runs-on": "ubuntu-24.04",
			"steps": [
				checkout, buildx,
				{"uses": uses("docker/build-push-action"), "with": {"push": false, "build-args": "GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\n", "cache-from": "type=gha", "cache-to": "type=gha,mode=max"}},
			],
		},
		"reproducible-1": repro_build,
		"reproducible-2": repro_build,
		"reproducible": {
			"needs": ["reproducible-1", "reproducible-2"], "runs-on": "ubuntu-24.04",
			"outputs": {"platforms": "${{ steps.compare.outputs.platforms }}"},
			"steps": [{
				"name": "Compare", "id": "compare",
				"env": {
					"FIRST_DIGEST": "${{ needs.reproducible-1.outputs.digest }}", "SECOND_DIGEST": "${{ needs.reproducible-2.outputs.digest }}",
					"FIRST_PLATFORMS": "${{ needs.reproducible-1.outputs.platforms }}", "SECOND_PLATFORMS": "${{ needs.reproducible-2.outputs.platforms }}",
				},
				"run": reproducible_check_script,
			}],
		},
		"release-gate": {
			"if": "github.event_name != 'pull_request'",
			"needs": ["go", "policy", "image-test", "supply-chain-test", "reproducible"],
			"runs-on": "ubuntu-24.04",
			"steps": [
				{"uses": uses("actions/checkout"), "with": {"persist-credentials": false, "fetch-depth": 0}},
				{"name": "Gate", "env": {"REF_NAME": "${{ github.ref_name }}", "REF_TYPE": "${{ github.ref_type }}"}, "run": gate_script},
			],
		},
		"image": {
			"if": "github.event_name != 'pull_request'", "needs": tests_and_gate,
			"runs-on": "ubuntu-24.04", "permissions": releasing,
			"outputs": {"image": "${{ steps.build.outputs.image }}"},
			"steps": [checkout, buildx, login, epoch, build, compare, setup_go, audit, vulncheck, scan, sign],
		},
		"ko": {
			"if": "github.event_name != 'pull_request'", "needs": tests_and_gate,
			"runs-on": "ubuntu-24.04", "permissions": releasing,
			"steps": [
				checkout, setup_go, login,
				{"id": "build", "env": {"REPOSITORY": "${{ github.repository }}"}, "run": "make ko-build KO_DOCKER_REPO=\"ghcr.io/${REPOSITORY,,}-ko\""},
				audit, vulncheck, scan, sign,
			],
		},
		"provenance-image": provenance_call("image"),
		"provenance-ko": provenance_call("ko"),
		"verify": {
			"needs": ["image", "ko", "provenance-image", "provenance-ko"], "runs-on": "ubuntu-24.04", "permissions": reading,
			"steps": [checkout, setup_go, login, {"env": {"KO_IMAGE": "${{ needs.ko.outputs.image }}"}, "run": "make verify IMAGE=\"$KO_IMAGE\""}],
		},
		"kubernetes": {
			"needs": ["image", "ko", "provenance-image", "provenance-ko", "verify"], "runs-on": "ubuntu-24.04", "permissions": reading,
			"steps": [
				checkout, setup_go, login,
				{"env": {"REGISTRY_USER": "${{ github.actor }}", "REGISTRY_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}, "run": "build/k8s/kind.sh"},
			],
		},
		"release-assets": {
			"if": "github.event_name == 'push' && github.ref_type == 'tag'",
			"needs": array.concat(tests_and_gate, ["image", "ko", "provenance-image", "provenance-ko", "verify", "kubernetes"]),
			"runs-on": "ubuntu-24.04",
			"permissions": {"contents": "write", "id-token": "write", "packages": "read"},
			"steps": [
				checkout, setup_go, login,
				{"name": "Assets", "env": {"VERSION": "${{ github.ref_name }}", "DOCKERFILE_IMAGE": "${{ needs.image.outputs.image }}", "KO_IMAGE": "${{ needs.ko.outputs.image }}"}, "run": release_assets_script},
				{"name": "Publish", "env": {"VERSION": "${{ github.ref_name }}", "GH_REPO": "${{ github.repository }}", "GH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}, "run": release_publish_script},
			],
		},
	},
}

denied(patch, want) if {
	some msg in deny with input as json.patch(good, patch)
	contains(msg, want)
}

replace(path, value) := [{"op": "replace", "path": path, "value": value}]

add(path, value) := [{"op": "add", "path": path, "value": value}]

remove(path) := [{"op": "remove", "path": path}]

test_good_workflow_passes if {
	count(deny) == 0 with input as good
}

# GitHub's spelling of the key, and a JSON or YAML 1.2 reader's.
test_on_spelled_on_passes if {
	count(deny) == 0 with input as json.patch(good, [{"op": "move", "from": "/true", "path": "/on"}])
}

# --- Triggers and the workflow's keys ---

test_not_one_workflow if {
	some msg in deny with input as [good, good]
	contains(msg, "not one workflow")
}

test_two_trigger_blocks if {
	denied(add("/on", {"pull_request_target": null}), "needs one `on:`")
}

test_no_trigger_block if {
	denied(remove("/true"), "needs one `on:`")
}

test_triggers_as_a_string_or_list if {
	denied(replace("/true", "push"), "triggers must be a mapping")
	denied(replace("/true", ["push", "pull_request"]), "triggers must be a mapping")
}

test_events_off_the_allowlist if {
	every event in ["pull_request_target", "workflow_run", "workflow_dispatch"] {
		denied(add(concat("/", ["/true", event]), null), sprintf("trigger %s is not allowed", [event]))
	}
}

test_push_filters_widened if {
	denied(replace("/true/push/branches", ["**"]), "trigger push")
	denied(add("/true/push/branches-ignore", ["dev"]), "trigger push")
	denied(replace("/true/push", null), "trigger push")
}

test_pull_request_filtered if {
	denied(replace("/true/pull_request", {"types": ["closed"]}), "trigger pull_request")
}

test_trigger_missing if {
	denied(remove("/true/pull_request"), "trigger pull_request is missing")
}

test_workflow_keys_off_the_allowlist if {
	denied(add("/defaults", {"run": {"shell": "bash"}}), "the workflow's key defaults is not allowed (a default shell")
	denied(add("/run-name", "x"), "the workflow's key run-name is not allowed")
}

test_no_workflow_permissions if {
	denied(remove("/permissions"), "the workflow sets no top-level permissions")
}

test_workflow_permissions_widened if {
	every permissions in ["write-all", "read-all", {"contents": "read", "packages": "write"}] {
		denied(replace("/permissions", permissions), "the workflow's permissions")
	}
}

test_concurrency_changed if {
	denied(replace("/concurrency/cancel-in-progress", true), "the workflow's concurrency")
	denied(remove("/concurrency"), "the workflow's concurrency")
}

test_workflow_env_off_the_allowlist if {
	denied(add("/env/GOFLAGS", "-mod=mod"), "the workflow's env GOFLAGS is not allowed")
}

# --- Jobs ---

test_job_off_the_allowlist if {
	denied(add("/jobs/publish", gating_job("true")), "job publish is not on the allowlist")
}

test_job_missing if {
	denied(remove("/jobs/policy"), "job policy (test) is missing")
}

test_job_keys_off_the_allowlist if {
	denied(add("/jobs/release-gate/continue-on-error", true), "job release-gate: continue-on-error is not allowed")
	denied(add("/jobs/go/uses", "./.github/workflows/release.yml"), "job go: uses is not allowed (a reusable workflow")
	denied(add("/jobs/go/container", "node:22"), "job go: container is not allowed")
	denied(add("/jobs/go/strategy", {"matrix": {"go": ["1.26"]}}), "job go: strategy is not allowed")
	denied(add("/jobs/go/env", {"GOFLAGS": "-mod=mod"}), "job go: env is not allowed")
	denied(add("/jobs/image/environment", "release"), "job image: environment is not allowed")
}

test_self_hosted_runner if {
	denied(replace("/jobs/go/runs-on", "self-hosted"), "job go: runs-on self-hosted is not allowed")
	denied(replace("/jobs/image/runs-on", ["self-hosted", "linux"]), "job image: runs-on")
}

test_conditions_off_the_allowlist if {
	every condition in [
		"always()", true, "${{ github.event_name != 'pull_request' }}",
		"github.event_name != 'pull_request' || true",
	] {
		denied(replace("/jobs/image/if", condition), "job image (release): if")
	}
}

test_release_without_condition if {
	denied(remove("/jobs/image/if"), "job image (release): if null is not allowed")
}

test_after_release_job_with_a_condition if {
	denied(add("/jobs/verify/if", "always()"), "job verify (after release): if always() is not allowed; exactly none")
}

test_test_job_with_a_condition if {
	denied(add("/jobs/go/if", "github.event_name == 'pull_request'"), "job go (test): if")
}

test_release_skips_a_test_job if {
	denied(replace("/jobs/image/needs", ["go", "image-test", "supply-chain-test", "release-gate"]), "job image (release) does not need policy")
	denied(replace("/jobs/image/needs", ["go", "image-test", "supply-chain-test", "release-gate"]), "job image holds write permissions but does not need policy")
}

test_release_skips_the_gate if {
	denied(replace("/jobs/ko/needs", ["go", "policy", "image-test", "supply-chain-test"]), "job ko (release) does not need release-gate")
}

test_gate_skips_a_test_job if {
	denied(replace("/jobs/release-gate/needs", "go"), "job release-gate (release gate) does not need policy")
}

test_after_release_job_skips_a_release if {
	denied(replace("/jobs/verify/needs", ["image"]), "job verify (after release) does not need ko")
}

test_permissions_off_the_allowlist if {
	denied(add("/jobs/go/permissions", {"contents": "read", "id-token": "write"}), "job go (test): permissions")
	denied(add("/jobs/release-gate/permissions", "write-all"), "job release-gate (release gate): permissions write-all")
	denied(add("/jobs/image/permissions/actions", "write"), "job image (release): permissions")
	denied(replace("/jobs/verify/permissions/packages", "write"), "job verify (after release): permissions")
	denied(remove("/jobs/kubernetes/permissions"), "job kubernetes (after release): permissions")
}

# Whatever the roles say: these hold a secret, a write scope, a push or a
# signature, in a job that also runs for pull requests.
test_privilege_in_a_pull_request_job if {
	want := "but may run for pull requests"
	denied(add("/jobs/pr-image/permissions", {"contents": "read", "packages": "write"}), want)
	denied(replace("/jobs/pr-image/steps/2/with/push", true), want)
	denied(add("/jobs/go/steps/-", sign), want)
	denied(replace("/jobs/verify/needs", ["go"]), "job verify holds write permissions, secrets or a push or signature but may run for pull requests")
}

# A job with a condition outside the allowlist starts no chain of skipped
# jobs: verify's always() would run it for a pull request, and kubernetes,
# which then needs only verify, after it.
test_chain_through_an_unknown_condition if {
	denied(
		[{"op": "add", "path": "/jobs/verify/if", "value": "always()"}, {"op": "replace", "path": "/jobs/kubernetes/needs", "value": ["verify"]}],
		"job kubernetes holds write permissions, secrets or a push or signature but may run for pull requests",
	)
}

# Through jobs with allowed conditions (or none) the chain holds: kubernetes
# needs verify, which needs image, which never runs for a pull request.
test_chain_through_jobs_without_conditions if {
	never_for_pull_requests("kubernetes") with input as json.patch(good, replace("/jobs/kubernetes/needs", ["verify"]))
}

# --- Steps ---

test_step_keys_off_the_allowlist if {
	denied(add("/jobs/image/steps/10/if", "always()"), "job image, step 11 (Sign): if is not allowed (a step's condition")
	denied(add("/jobs/image/steps/9/continue-on-error", true), "continue-on-error is not allowed")
	denied(add("/jobs/go/steps/3/shell", "python {0}"), "job go, step 4 (Lint): shell is not allowed")
	denied(add("/jobs/go/steps/3/working-directory", "/tmp"), "working-directory is not allowed")
}

test_job_or_step_not_a_mapping if {
	denied(replace("/jobs/go", null), "job go is not a mapping whose steps are a list of mappings")
	denied(replace("/jobs/go/steps/3", "make lint"), "job go is not a mapping")
	denied(replace("/jobs", [good.jobs.go]), "jobs is not a mapping")
	denied(replace("/jobs/go/steps/0/uses", 4), "4 is not on the action allowlist: not an owner/name@commit string")
}

test_env_or_with_not_a_mapping if {
	denied(replace("/jobs/go/steps/6/env", "${{ fromJSON('{\"GOFLAGS\": \"-mod=mod\"}') }}"), "job go, step 7 (Live vulnerability database): env is ${{ fromJSON(")
	denied(replace("/jobs/go/steps/0/with", "persist-credentials=false"), "with is persist-credentials=false, not a mapping")
}

test_step_with_both_or_neither if {
	denied(add("/jobs/go/steps/3/uses", uses("actions/checkout")), "a step either uses an action or runs a script")
	denied(remove("/jobs/go/steps/3/run"), "a step either uses an action or runs a script")
}

test_action_by_tag if {
	denied(replace("/jobs/go/steps/0/uses", "actions/checkout@v4"), "actions/checkout@v4 is not on the action allowlist: not pinned by commit SHA")
}

test_action_at_another_commit if {
	# setup-go's commit, given as checkout's: a commit the allowlist does not hold for checkout.
	denied(replace("/jobs/go/steps/0/uses", concat("@", ["actions/checkout", actions["actions/setup-go"].sha])), "a commit the allowlist does not hold")
}

test_action_off_the_allowlist if {
	want := "an action the allowlist does not hold"
	denied(replace("/jobs/image/steps/6/uses", concat("@", ["sigstore/cosign-installer", actions["actions/setup-go"].sha])), want)
	denied(replace("/jobs/go/steps/0/uses", concat("@", ["Actions/Checkout", actions["actions/checkout"].sha])), want)
	denied(replace("/jobs/go/steps/0/uses", concat("@", ["actions/checkout/sub", actions["actions/checkout"].sha])), want)
}

test_container_and_local_actions if {
	denied(replace("/jobs/go/steps/2", {"uses": "docker://alpine:3.22"}), "a container image as a step")
	denied(replace("/jobs/go/steps/2", {"uses": "./.github/actions/sign"}), "a local action's steps are outside this file")
}

test_action_outside_its_role if {
	denied(add("/jobs/image/steps/-", {"uses": uses("actions/setup-node"), "with": {"node-version": "22"}}), "actions/setup-node is not allowed in a release job")
	denied(add("/jobs/release-gate/steps/-", setup_go), "actions/setup-go is not allowed in a release gate job")
}

test_inputs_off_the_allowlist if {
	denied(add("/jobs/image/steps/0/with/ref", "${{ github.event.pull_request.head.sha }}"), "input ref of actions/checkout is not allowed")
	denied(add("/jobs/image/steps/0/with/repository", "someone/fork"), "input repository of actions/checkout is not allowed")
	denied(add("/jobs/image/steps/4/with/secrets", "token=x"), "input secrets of docker/build-push-action is not allowed")
}

test_checkout_persists_credentials if {
	denied(remove("/jobs/go/steps/0/with"), "persist-credentials")
}

test_login_to_another_registry if {
	denied(replace("/jobs/image/steps/2/with/registry", "registry.example.com"), "docker/login-action logs in to registry.example.com; only ghcr.io")
}

test_step_env_off_the_allowlist if {
	every name in ["BASH_ENV", "GOFLAGS", "ACTIONS_ALLOW_UNSECURE_COMMANDS"] {
		denied(add(concat("/", ["/jobs/go/steps/6/env", name]), "x"), sprintf("env %s is not allowed", [name]))
	}
}

test_expression_in_run if {
	denied(replace("/jobs/go/steps/3/run", "echo ${{ github.sha }}"), "${{ }} inside run; pass it through env")
}

test_expression_in_github_script if {
	denied(add("/jobs/go/steps/3/with", {"script": "console.log('${{ github.event.issue.title }}')"}), "${{ }} inside with.script is expression injection")
}

test_writes_github_env_or_path if {
	denied(replace("/jobs/go/steps/3/run", "echo \"LD_PRELOAD=/tmp/x.so\" >>\"$GITHUB_ENV\""), "writes GITHUB_ENV or GITHUB_PATH")
	denied(replace("/jobs/go/steps/3/run", "echo /tmp/bin >>${GITHUB_PATH}"), "writes GITHUB_ENV or GITHUB_PATH")
}

# --- Expressions and secrets ---

test_untrusted_contexts if {
	denied(add("/jobs/go/steps/6/env/VERSION", "${{ github.event.pull_request.title }}"), "job go, step 7 (Live vulnerability database): env.VERSION: ${{ github.event.pull_request.title }} reads github.event.pull_request.title")
	denied(replace("/jobs/pr-image/steps/2/with/cache-to", "type=gha,scope=${{ github.head_ref }}"), "reads github.head_ref")
	denied(replace("/concurrency/group", "ci-${{ github.head_ref }}"), "the workflow's concurrency.group: ${{ github.head_ref }} reads github.head_ref")
	denied(replace("/jobs/image/outputs/image", "${{ toJSON(github) }}"), "job image: outputs.image: ${{ toJSON(github) }} reads toJSON")
	denied(replace("/jobs/image/steps/2/with/password", "${{ github.token }}"), "reads github.token")
	denied(replace("/jobs/image/steps/2/with/password", "${{ secrets['GITHUB_TOKEN'] }}"), "reads secrets['']")
}

test_secret_other_than_the_token if {
	denied(replace("/jobs/image/steps/2/with/password", "${{ secrets.GHCR_PAT }}"), "reads secrets.GHCR_PAT")
	denied(replace("/jobs/image/steps/2/with/password", "${{ secrets.GHCR_PAT }}"), "job image, step 3 (docker/login-action")
}

test_secret_in_the_wrong_place if {
	want := "reads secrets; only ${{ secrets.GITHUB_TOKEN }}"
	denied(replace("/jobs/image/steps/4/with/build-args", "TOKEN=${{ secrets.GITHUB_TOKEN }}"), want)
	denied(replace("/jobs/image/steps/2/with/password", "x${{ secrets.GITHUB_TOKEN }}"), want)
	denied(add("/jobs/image/outputs/token", "${{ secrets.GITHUB_TOKEN }}"), want)
	denied(add("/env/GO_VERSION", "${{ secrets.GITHUB_TOKEN }}"), "the workflow's env.GO_VERSION reads secrets")
}

test_secret_in_a_role_without_secrets if {
	denied(add("/jobs/release-gate/steps/1/env/REGISTRY_TOKEN", "${{ secrets.GITHUB_TOKEN }}"), "job release-gate, step 2 (Gate): env.REGISTRY_TOKEN reads secrets")
}

# --- What the tests and the release gate run ---

test_test_job_that_only_echoes if {
	denied(replace("/jobs/policy/steps/2/run", "echo policy ok"), "job policy runs no step that is exactly \"make test-policy\"")
	denied(replace("/jobs/go/steps/4/run", "make test-go"), "job go runs no step that is exactly \"make test-go test-contract fuzz-short test-scripts\"")
	denied(replace("/jobs/supply-chain-test/steps/2/run", "make test-supply-chain || true"), "job supply-chain-test runs no step that is exactly")
}

test_no_release_gate if {
	denied(remove("/jobs/release-gate"), "no release-gate job")
}

test_gate_that_only_echoes if {
	denied(replace("/jobs/release-gate/steps/1/run", "echo released from main"), "job release-gate: its steps must be exactly")
}

test_gate_edited if {
	want := "job release-gate: its steps must be exactly"
	denied(replace("/jobs/release-gate/steps/1/env/REF_TYPE", "branch"), want)
	denied(replace("/jobs/release-gate/steps/1/run", concat("", [gate_script, "exit 0\n"])), want)
	denied(replace("/jobs/release-gate/steps/0/with/fetch-depth", 1), want)
	denied(add("/jobs/release-gate/steps/0", {"run": "git update-ref refs/remotes/origin/main HEAD"}), want)
}

# --- What a release does before it signs ---

test_writer_restores_go_cache if {
	denied(remove("/jobs/image/steps/6/with/cache"), "restores a cache")
}

test_writer_restores_build_cache if {
	denied(add("/jobs/image/steps/4/with/cache-from", "type=gha"), "restores a cache")
}

test_writer_builds_with_layer_cache if {
	denied(remove("/jobs/image/steps/4/with/no-cache"), "restores a cache")
}

test_buildkit_unpinned if {
	denied(replace("/env/BUILDKIT_IMAGE", "moby/buildkit:v0.33.0"), "BuildKit image \"moby/buildkit:v0.33.0\" is not pinned")
}

test_default_sbom_generator if {
	denied(add("/jobs/image/steps/4/with/sbom", true), "unpinned SBOM generator")
}

test_sbom_generator_unpinned if {
	denied(replace("/env/SBOM_GENERATOR", "docker/buildkit-syft-scanner:stable-1"), "SBOM generator \"docker/buildkit-syft-scanner:stable-1\" is not pinned")
}

test_release_with_default_go if {
	denied(replace("/jobs/image/steps/4/with/build-args", "VERSION=x\n"), "the Dockerfile's default (Go 1.22)")
}

test_release_with_go_1_22 if {
	denied(replace("/env/RELEASE_GO_IMAGE", concat("@", ["golang:1.22-alpine", digest])), "not a supported Go")
}

test_sign_before_audit if {
	denied(replace("/jobs/image/steps/7/run", "true"), "job image, step 11 (Sign) signs before make sbom-audit")
}

test_sign_before_vulncheck if {
	denied([{"op": "move", "from": "/jobs/image/steps/8", "path": "/jobs/image/steps/10"}], "job image, step 10 (Sign) signs before make vulncheck")
}

# A second signature, before the checks, is found as well as the last one.
test_second_sign_before_the_checks if {
	denied(add("/jobs/ko/steps/4", sign), "job ko, step 5 (Sign) signs before make sbom-audit")
}

test_checks_of_another_image if {
	denied(replace("/jobs/image/steps/7/env/IMAGE", "alpine:3.22"), "job image, step 11 (Sign) signs before make sbom-audit has run on the image it signs")
	denied(replace("/jobs/image/steps/9/with/image", "alpine:3.22"), "job image, step 11 (Sign) signs before a vulnerability scan of the image it signs")
}

test_scan_that_does_not_fail if {
	denied(replace("/jobs/image/steps/9/with/fail-build", false), "job image, step 11 (Sign) signs before a vulnerability scan")
}

test_scan_of_unfixable_only_or_critical_only if {
	denied(replace("/jobs/ko/steps/6/with/severity-cutoff", "critical"), "job ko, step 8 (Sign) signs before a vulnerability scan")
	denied(remove("/jobs/ko/steps/6/with/only-fixed"), "job ko, step 8 (Sign) signs before a vulnerability scan")
}

test_release_check_edited if {
	want := "runs exactly one of policy/workflow's release_check_scripts"
	denied(replace("/jobs/image/steps/7/run", "make sbom-audit IMAGE=\"$IMAGE\" || true"), want)
	denied(replace("/jobs/image/steps/8/run", "exit 0\nmake vulncheck IMAGE=\"$IMAGE\"\n"), want)
	denied(replace("/jobs/image/steps/10/run", "make() { :; }\nmake sign IMAGE=\"$IMAGE\""), want)
}

test_signing_outside_make_sign if {
	denied(add("/jobs/ko/steps/4", {"run": "cosign sign --yes \"$IMAGE\""}), "runs cosign; sign with make sign")
}

test_build_context_elsewhere if {
	denied(add("/jobs/image/steps/4/with/context", "https://github.com/example/other.git#main"), "docker/build-push-action's context is https://github.com/example/other.git#main; only .")
}

# A quoted "true" pushes just the same.
test_push_as_a_string if {
	denied(
		[{"op": "replace", "path": "/jobs/image/steps/4/with/push", "value": "true"}, {"op": "replace", "path": "/jobs/image/steps/4/with/build-args", "value": "VERSION=x\n"}],
		"the Dockerfile's default (Go 1.22)",
	)
}

test_writer_that_signs_nothing if {
	denied(remove("/jobs/image/steps/10"), "signs nothing")
}

test_no_kubernetes_job if {
	denied(remove("/jobs/kubernetes"), "no read-only job runs build/k8s/kind.sh")
}

test_kubernetes_job_before_verification if {
	denied(replace("/jobs/kubernetes/needs", ["image", "ko"]), "no read-only job runs build/k8s/kind.sh")
}

test_kubernetes_job_that_writes if {
	denied(add("/jobs/kubernetes/permissions/packages", "write"), "no read-only job runs build/k8s/kind.sh")
}

# --- Reproducibility ---

test_reproducibility_check_that_only_echoes if {
	denied(replace("/jobs/reproducible/steps/0/run", "echo reproducible"), "job reproducible (reproducibility check): its scripts are not the reviewed ones")
}

test_reproducible_build_edited if {
	want := "job reproducible-2 (reproducibility build): its scripts are not the reviewed ones"
	denied(replace("/jobs/reproducible-2/steps/4/run", strings.replace_n({"platform-digests.sh <\"$index\"": "platform-digests.sh <<<\"$PUSHED\""}, reproducible_index_script)), want)
	denied(replace("/jobs/reproducible-2/steps/4/env/METADATA", "{\"containerimage.digest\": \"sha256:0\"}"), want)
	denied(add("/jobs/reproducible-2/steps/-", {"run": "echo digest=sha256:0 >>\"$GITHUB_OUTPUT\""}), want)
}

# The reproducibility jobs build what the release builds, input for input:
# the review's finding was a check of another build (no VERSION, REVISION).
test_reproducible_build_is_not_the_release_build if {
	want := "docker/build-push-action is not the release's build; "
	args := "GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\nSOURCE_DATE_EPOCH=${{ steps.epoch.outputs.epoch }}\n"
	denied(replace("/jobs/reproducible-1/steps/3/with/build-args", args), concat("", [want, "build-args differ"]))
	denied(replace("/jobs/reproducible-1/steps/3/with/outputs", "type=oci,dest=${{ runner.temp }}/image.tar,rewrite-timestamp=true"), concat("", [want, "outputs differ"]))
	denied(replace("/jobs/reproducible-1/steps/3/with/no-cache", false), concat("", [want, "no-cache differ"]))
	denied(replace("/jobs/reproducible-1/steps/3/with/platforms", "linux/amd64"), concat("", [want, "platforms differ"]))
	denied(add("/jobs/reproducible-1/steps/3/with/cache-from", "type=gha"), concat("", [want, "cache-from differ"]))
	denied(replace("/jobs/image/steps/4/with/outputs", "type=image,rewrite-timestamp=true"), "job image, step 5 (docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83): docker/build-push-action is not the release's build; outputs differ")
}

test_release_image_built_twice_or_not_at_all if {
	denied(add("/jobs/reproducible-1/steps/-", repro_build.steps[3]), "job reproducible-1 builds the release image, with docker/build-push-action, not exactly once")
	denied(remove("/jobs/reproducible-2/steps/3"), "job reproducible-2 builds the release image, with docker/build-push-action, not exactly once")
}

test_source_date_epoch_of_another_time if {
	want := "no step before it is exactly {id: epoch"
	denied(replace("/jobs/image/steps/3/run", "echo \"epoch=0\" >>\"$GITHUB_OUTPUT\""), want)
	denied([{"op": "move", "from": "/jobs/reproducible-2/steps/2", "path": "/jobs/reproducible-2/steps/4"}], want)
}

test_only_release_builds_export if {
	denied(add("/jobs/pr-image/steps/2/with/outputs", "type=registry"), "docker/build-push-action's outputs is type=registry; only the release and reproducibility builds export")
}

# The image that ships is the one reproduced: the pushed platform manifests
# are compared with the reproducibility check's, before anything is signed.
test_release_not_compared_with_the_reproducible_build if {
	want := "job image, step 5 (docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83): pushes the release image but no later step, before every signature, checks that its platform manifests are the reproducible build's"
	denied(remove("/jobs/image/steps/5"), want)
	denied(replace("/jobs/image/steps/5/run", "echo \"$REPRODUCED\""), want)
	denied(replace("/jobs/image/steps/5/env/REPRODUCED", "${{ needs.reproducible-1.outputs.platforms }}"), want)
	denied(replace("/jobs/image/steps/5/env/IMAGE", "ghcr.io/product-catalog/product-catalog@sha256:0"), want)
	denied(add("/jobs/image/steps/5/env/BASH_ENV", "x"), want)
	denied([{"op": "move", "from": "/jobs/image/steps/5", "path": "/jobs/image/steps/10"}], want)
	denied([{"op": "move", "from": "/jobs/image/steps/5", "path": "/jobs/image/steps/3"}], "pushes the release image but no later step")
}

test_reproducible_check_outputs if {
	denied(replace("/jobs/reproducible/outputs/platforms", "${{ needs.reproducible-1.outputs.platforms }}"), "job reproducible (reproducibility check): outputs")
	denied(replace("/jobs/reproducible/steps/0/env/SECOND_PLATFORMS", "${{ needs.reproducible-1.outputs.platforms }}"), "job reproducible (reproducibility check): its scripts are not the reviewed ones")
}

test_reproducible_build_outputs if {
	denied(replace("/jobs/reproducible-1/outputs/digest", "${{ needs.reproducible-2.outputs.digest }}"), "job reproducible-1 (reproducibility build): outputs")
}

test_reproducible_build_actions if {
	denied(remove("/jobs/reproducible-1/steps/1"), "job reproducible-1 (reproducibility build) uses")
	denied(add("/jobs/reproducible-1/steps/1", buildx), "uses an action twice")
}

test_release_skips_reproducibility if {
	denied(replace("/jobs/release-gate/needs", ["go", "policy", "image-test", "supply-chain-test"]), "job release-gate (release gate) does not need reproducible")
	denied(replace("/jobs/image/needs", ["go", "policy", "image-test", "supply-chain-test", "release-gate"]), "job image holds write permissions but does not need reproducible")
}

# --- The SLSA generator ---

test_generator_at_a_branch_or_commit if {
	every ref in ["main", "v2", "f7dd8c54c2067bafc12ca7a55595d5ee9b75204a", "refs/heads/v2.1.0"] {
		denied(replace("/jobs/provenance-ko/uses", sprintf("slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@%s", [ref])), "job provenance-ko (provenance): uses")
	}
}

test_another_reusable_workflow if {
	denied(replace("/jobs/provenance-ko/uses", "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.1.0"), "job provenance-ko (provenance): uses")
	denied(replace("/jobs/provenance-ko/uses", "./.github/workflows/provenance.yml"), "job provenance-ko (provenance): uses")
	denied(add("/jobs/verify/uses", generator), "job verify: uses is not allowed (a reusable workflow")
}

test_generator_inputs if {
	want := "job provenance-image (provenance): with"
	denied(add("/jobs/provenance-image/with/continue-on-error", true), want)
	denied(add("/jobs/provenance-image/with/provenance-repository", "ghcr.io/attacker/provenance"), want)
	denied(replace("/jobs/provenance-image/with/digest", "${{ needs.ko.outputs.digest }}"), want)
	denied(replace("/jobs/provenance-image/with/image", "ghcr.io/attacker/image"), want)
}

test_generator_secrets if {
	denied(replace("/jobs/provenance-image/secrets", "inherit"), "job provenance-image (provenance): secrets inherit")
	denied(add("/jobs/provenance-image/secrets/registry-username", "${{ secrets.GITHUB_TOKEN }}"), "job provenance-image (provenance): secrets")
}

test_generator_for_pull_requests if {
	denied(remove("/jobs/provenance-image/if"), "job provenance-image (provenance): if null is not allowed")
	denied(
		[{"op": "remove", "path": "/jobs/provenance-image/if"}, {"op": "replace", "path": "/jobs/provenance-image/needs", "value": ["go"]}],
		"job provenance-image holds write permissions, secrets or a push or signature but may run for pull requests",
	)
}

test_generator_permissions if {
	denied(add("/jobs/provenance-ko/permissions/contents", "write"), "job provenance-ko (provenance): permissions")
}

test_generator_without_its_image if {
	denied(replace("/jobs/provenance-ko/needs", tests_and_gate), "job provenance-ko (provenance) does not need ko")
}

test_generator_job_with_steps if {
	denied(add("/jobs/provenance-ko/steps", [checkout]), "job provenance-ko: steps is not allowed")
	denied(add("/jobs/provenance-ko/runs-on", "ubuntu-24.04"), "job provenance-ko: runs-on is not allowed")
}

test_verify_before_the_provenance if {
	denied(replace("/jobs/verify/needs", ["image", "ko"]), "job verify (after release) does not need provenance-image")
}

# --- The tag's release ---

test_release_assets_for_pull_requests if {
	denied(remove("/jobs/release-assets/if"), "job release-assets (release assets): if null is not allowed")
	denied(
		[{"op": "remove", "path": "/jobs/release-assets/if"}, {"op": "replace", "path": "/jobs/release-assets/needs", "value": ["go"]}],
		"job release-assets holds write permissions, secrets or a push or signature but may run for pull requests",
	)
}

test_release_assets_on_main if {
	denied(replace("/jobs/release-assets/if", "github.event_name != 'pull_request'"), "job release-assets (release assets): if")
}

test_release_upload_elsewhere if {
	denied(add("/jobs/ko/steps/-", {"run": "gh release upload v1 x"}), "job ko, step 9 (gh release upload v1 x): writes or reads GitHub releases")
	denied(add("/jobs/verify/steps/-", {"run": "gh api -X POST repos/x/y/releases"}), "writes or reads GitHub releases")
}

test_contents_write_elsewhere if {
	denied(replace("/jobs/ko/permissions/contents", "write"), "job ko (release): permissions")
}

test_release_upload_edited if {
	want := "job release-assets (release assets): its scripts are not the reviewed ones"
	denied(replace("/jobs/release-assets/steps/4/run", "gh release upload \"$VERSION\" ./* --clobber\n"), want)
	denied(replace("/jobs/release-assets/steps/3/env/KO_IMAGE", "ghcr.io/attacker/image@sha256:0"), want)
	denied(remove("/jobs/release-assets/steps/3/env/VERSION"), want)
	denied(replace("/jobs/release-assets/steps/4/env/VERSION", "v1.0.0"), want)
}

test_release_token_elsewhere if {
	denied(add("/jobs/verify/steps/3/env/GH_TOKEN", "${{ secrets.GITHUB_TOKEN }}"), "env.GH_TOKEN reads secrets")
}

# The release builds as build/reproducible/build.sh does, and pushes only
# to the tag the signing steps read.
test_release_build_not_reproducible if {
	denied(replace("/jobs/image/steps/4/with/build-args", "GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\nVERSION=${{ github.ref_name }}\nREVISION=${{ github.sha }}\n"), "build-push-action's build-args")
}

test_release_output_elsewhere if {
	want := "job image, step 5 (docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83): docker/build-push-action is not the release's build; outputs differ"
	denied(replace("/jobs/image/steps/4/with/outputs", "type=image,name=ghcr.io/attacker/x,push=true"), want)
	denied(replace("/jobs/image/steps/4/with/outputs", "type=local,dest=out"), want)
	denied(replace("/jobs/image/steps/4/with/tags", "ghcr.io/attacker/x:latest"), "docker/build-push-action is not the release's build; tags differ")
}
