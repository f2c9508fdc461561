# The structure of .github/workflows/ci.yml, checked by conftest:
#   conftest test -p policy/workflow .github/workflows/ci.yml
# (build/workflow-policy.sh; scorecard.yml and codeql.yml have policies of
# their own in this directory, packages workflow.scorecard and
# workflow.codeql).
#
# An allowlist: the workflow may hold exactly the triggers, jobs,
# permissions, actions, inputs, secrets, expressions and environment
# variables named here, and whatever is not named is denied. A denylist
# loses to the first bypass nobody listed; here a new trigger, job, action,
# action commit or secret fails until this file is edited, so a human reads
# the change that widens what the release trusts.
#
# Then what SECURITY.md promises about the release, as rules on the
# workflow: nothing is signed before its SBOM is audited, its binaries pass
# govulncheck and its image scan finds no fixable critical or high
# vulnerability; releasing jobs wait for every test, never run for pull
# requests, restore no cache and start from a tag on main; every image that
# builds the release is pinned; the Dockerfile image released is the one two
# runners reproduced (one build definition for the three, release_build, and
# the pushed platform manifests compared with theirs before anything is
# signed); the SLSA Build L3 provenance comes from the one reviewed reusable
# workflow, at its tag, given only the image it is about; only a tag's
# release-assets job writes the repository's contents, into a new release.
package main

import rego.v1

jobs := object.get(input, "jobs", {})

steps(job) := object.get(job, "steps", [])

# --- The allowlist ------------------------------------------------------------

# Pull requests run the tests; pushes to main and version tags release. Every
# other event is refused, in particular the ones that run this repository's
# workflow, with its secrets and write token, on code or text from a fork:
# pull_request_target, issue_comment, workflow_run. workflow_dispatch and a
# wider push filter would release a ref that is not main or a version tag.
allowed_triggers := {
	"pull_request": null,
	"push": {"branches": ["main"], "tags": ["v*"]},
}

allowed_workflow_keys := {"name", "on", "permissions", "concurrency", "env", "jobs"}

allowed_workflow_permissions := {"contents": "read"}

# Runs of one ref queue, and only a pull request's run is cancelled by the
# next push to it: a release is never cancelled half-way, its image pushed
# and not yet signed.
allowed_concurrency := {
	"group": "ci-${{ github.ref }}",
	"cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
}

# The conditions a job may have, as exact strings: a condition is not parsed,
# so `always()`, `true`, `${{ ... }}` or an added `|| ...` is simply not one
# of them. Neither holds a status function, so a job that needs a skipped job
# is skipped too.
push_only := "github.event_name != 'pull_request'"

pull_request_only := "github.event_name == 'pull_request'"

# A push of a tag (the trigger admits v* tags only): what a GitHub release
# is made from.
tag_push_only := "github.event_name == 'push' && github.ref_type == 'tag'"

# Every job, by role. A job not named here is denied, and so is a job named
# here that the workflow lacks: a release that does not need a deleted test
# job would no longer wait for it.
job_roles := {
	"go": "test",
	"policy": "test",
	"image-test": "test",
	"supply-chain-test": "test",
	"pr-image": "pull-request build",
	"reproducible-1": "reproducibility build",
	"reproducible-2": "reproducibility build",
	"reproducible": "reproducibility check",
	"release-gate": "release gate",
	"image": "release",
	"ko": "release",
	"provenance-image": "provenance",
	"provenance-ko": "provenance",
	"verify": "after release",
	"kubernetes": "after release",
	"release-assets": "release assets",
}

# The roles whose jobs every release waits for.
gating_roles := {"test", "reproducibility check", "release gate"}

# What each role may do. "if" is the job's exact condition (null: none);
# "needs" the roles whose every job it must need; "permissions" the job's
# exact token scopes; "actions" what its steps may use; "secrets" whether it
# may read secrets.GITHUB_TOKEN at all (where, below).
roles := {
	"test": {
		"if": null,
		"needs": set(),
		"permissions": {"contents": "read"},
		"actions": {"actions/checkout", "actions/setup-go", "actions/setup-node"},
		"secrets": false,
	},
	"pull-request build": {
		"if": pull_request_only,
		"needs": set(),
		"permissions": {"contents": "read"},
		"actions": {"actions/checkout", "docker/setup-buildx-action", "docker/build-push-action"},
		"secrets": false,
	},
	# Two runners build the Dockerfile image as the release does; a third
	# job compares them, and hands their platform manifests to the release.
	"reproducibility build": {
		"if": null,
		"needs": set(),
		"permissions": {"contents": "read"},
		"actions": {"actions/checkout", "docker/setup-buildx-action", "docker/build-push-action"},
		"secrets": false,
	},
	"reproducibility check": {
		"if": null,
		"needs": {"reproducibility build"},
		"permissions": {"contents": "read"},
		"actions": set(),
		"secrets": false,
	},
	"release gate": {
		"if": push_only,
		"needs": {"test", "reproducibility check"},
		"permissions": {"contents": "read"},
		"actions": {"actions/checkout"},
		"secrets": false,
	},
	"release": {
		"if": push_only,
		"needs": {"test", "reproducibility check", "release gate"},
		"permissions": {"contents": "read", "packages": "write", "id-token": "write"},
		"actions": {
			"actions/checkout", "actions/setup-go", "docker/setup-buildx-action",
			"docker/login-action", "docker/build-push-action", "anchore/scan-action",
		},
		"secrets": true,
	},
	# A call of the SLSA generator (reusable_workflows below): no steps of
	# ours, exactly the permissions its documentation asks for.
	"provenance": {
		"if": push_only,
		"needs": {"test", "reproducibility check", "release gate"},
		"permissions": {"actions": "read", "id-token": "write", "packages": "write"},
		"actions": set(),
		"secrets": true,
	},
	# No condition of their own: they need the release jobs, so they are
	# skipped whenever those are.
	"after release": {
		"if": null,
		"needs": {"release", "provenance"},
		"permissions": {"contents": "read", "packages": "read"},
		"actions": {"actions/checkout", "actions/setup-go", "docker/login-action"},
		"secrets": true,
	},
	# The only job that writes the repository's contents: a tag's GitHub
	# release, after everything else.
	"release assets": {
		"if": tag_push_only,
		"needs": {"test", "reproducibility check", "release gate", "release", "provenance", "after release"},
		"permissions": {"contents": "write", "id-token": "write", "packages": "read"},
		"actions": {"actions/checkout", "actions/setup-go", "docker/login-action"},
		"secrets": true,
	},
}

# The one reusable workflow a job may call, and how: the SLSA generator's
# container workflow, by the tag it requires (a commit or a branch fails in
# its generate-builder step, .github/actions/generate-builder/builder-fetch.sh:
# "Expected ref of the form refs/tags/vX.Y.Z"; and slsa-verifier trusts only tags:
# slsa-github-generator README, "Referencing SLSA builders and
# generators"), with exactly the inputs and the secret its README's
# example passes. No continue-on-error (a failed provenance would pass),
# no compile-generator, no provenance-repository (it would push the
# provenance where no policy looks), no secrets: inherit.
reusable_workflows := {"slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml": {
	"ref": "v2.1.0",
	"inputs": {"image", "digest", "registry-username"},
	"secrets": {"registry-password"},
}}

# Which release job's image each provenance job attests: it must need that
# job and pass exactly its name and digest outputs.
attests := {"provenance-image": "image", "provenance-ko": "ko"}

reusable_job_keys := {"name", "if", "needs", "permissions", "uses", "with", "secrets"}

# Every action, at the one commit ci.yml uses, with the inputs it may be
# given. The commit is the allowlist: a Renovate bump of a `uses:` line in
# ci.yml fails here until the same commit is written below, so the bump
# edits both files and a human reads what the new commit runs. The SHA is
# compared whole because GitHub also resolves a commit that exists only in a
# fork of the action's repository. No checkout takes ref, repository, token
# or ssh-key: a job checks out the commit its event names, with no
# credentials.
actions := {
	"actions/checkout": {
		"sha": "11bd71901bbe5b1630ceea73d27597364c9af683", "version": "v4.2.2",
		"inputs": {"persist-credentials", "fetch-depth"},
	},
	"actions/setup-go": {
		"sha": "d35c59abb061a4a6fb18e82ac0862c26744d6ab5", "version": "v5.5.0",
		"inputs": {"go-version", "cache", "cache-dependency-path"},
	},
	"actions/setup-node": {
		"sha": "49933ea5288caeca8642d1e84afbd3f7d6820020", "version": "v4.4.0",
		"inputs": {"node-version"},
	},
	"docker/setup-buildx-action": {
		"sha": "b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2", "version": "v3.10.0",
		"inputs": {"driver-opts"},
	},
	"docker/build-push-action": {
		"sha": "263435318d21b8e681c14492fe198d362a7d2c83", "version": "v6.18.0",
		"inputs": {
			"context", "platforms", "push", "outputs", "no-cache", "tags", "build-args",
			"attests", "provenance", "sbom", "cache-from", "cache-to",
		},
	},
	"docker/login-action": {
		"sha": "74a5d142397b4f367a81961eba4e8cd7edddf772", "version": "v3.4.0",
		"inputs": {"registry", "username", "password"},
	},
	"anchore/scan-action": {
		"sha": "e1165082ffb1fe366ebaf02d8526e7c4989ea9d2", "version": "v7.4.0",
		"inputs": {
			"image", "fail-build", "only-fixed", "severity-cutoff",
			"registry-username", "registry-password",
		},
	},
}

# `name` and `timeout-minutes` can only rename or stop a job or step. What
# is left out, and why, is in key_hints.
allowed_job_keys := {"name", "if", "needs", "runs-on", "permissions", "outputs", "steps", "timeout-minutes"}

allowed_step_keys := {"name", "id", "uses", "with", "run", "env", "timeout-minutes"}

key_hints := {
	"uses": "a reusable workflow's jobs are outside this file, so this policy cannot check them",
	"secrets": "it hands secrets to a reusable workflow",
	"continue-on-error": "a failing check would let what comes after it run",
	"if": "a step's condition can run it after a failed check (always())",
	"env": "set variables on the step that needs them, where the allowlist checks them",
	"container": "the job would run in an image this policy does not pin",
	"services": "the job would run images this policy does not pin",
	"strategy": "a matrix feeds values this policy does not see",
	"shell": "a shell is a command, run with every line of the script",
	"defaults": "a default shell is a command, run with every script",
	"working-directory": "the step would run outside the checkout",
	"environment": "an environment brings secrets this policy does not name",
}

allowed_runners := {"ubuntu-24.04"}

# The variables a step may set, and the workflow's own. A variable such as
# BASH_ENV, LD_PRELOAD, NODE_OPTIONS, GOFLAGS or GOPROXY changes what every
# command in the step runs, which no review of the script would show.
allowed_workflow_env := {"GO_VERSION", "RELEASE_GO_IMAGE", "BUILDKIT_IMAGE", "SBOM_GENERATOR"}

allowed_step_env := {
	"GOVULNDB", "REF_NAME", "REF_TYPE", "REPOSITORY", "IMAGE", "VERSION", "GO_IMAGE",
	"DOCKERFILE_IMAGE", "KO_IMAGE", "REGISTRY_USER", "REGISTRY_TOKEN",
	"FIRST_DIGEST", "SECOND_DIGEST", "FIRST_PLATFORMS", "SECOND_PLATFORMS",
	"METADATA", "REPRODUCED", "GH_REPO", "GH_TOKEN",
}

# The only secret is the job's own token, and it goes only where a registry
# login needs it: these inputs and this variable, in a job whose role
# allows secrets. Anywhere else (a build arg, say) it could end up in an
# image layer or its provenance.
secret_value := "${{ secrets.GITHUB_TOKEN }}"

secret_inputs := {"docker/login-action": "password", "anchore/scan-action": "registry-password"}

secret_env := {"REGISTRY_TOKEN"}

# gh's token, for the release-assets job's upload alone.
release_secret_env := "GH_TOKEN"

# What a ${{ }} expression may read. Event payloads (github.event.*,
# github.head_ref) carry text anyone can write, and functions such as
# toJSON(secrets) or always() are names too, so none of them is here.
# runner.temp is the runner's own scratch directory.
allowed_contexts := {
	"github.sha", "github.ref", "github.ref_name", "github.ref_type",
	"github.repository", "github.actor", "github.event_name", "runner.temp",
	"secrets.GITHUB_TOKEN", "true", "false", "null",
}

allowed_context(ref) if ref in allowed_contexts

allowed_context(ref) if regex.match(`^env\.[A-Z][A-Z0-9_]*$`, ref)

allowed_context(ref) if regex.match(`^(steps|needs)\.[a-z][a-z0-9-]*\.outputs\.[a-z][a-z0-9_-]*$`, ref)

# The release gate, word for word: the ref name must be a version, and a
# tag's commit must be on main. Anything else (an echo, a check that cannot
# fail, another REF_TYPE) is not this gate.
gate_script := `[[ $REF_NAME =~ ^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$ ]] || { echo "ref name '$REF_NAME' is not a version"; exit 1; }
if [[ $REF_TYPE == tag ]]; then
  git fetch --no-tags origin main
  git merge-base --is-ancestor "$GITHUB_SHA" origin/main ||
    { echo "tag $REF_NAME points at $GITHUB_SHA, which is not on main: not released"; exit 1; }
fi
`

gate_env := {"REF_NAME": "${{ github.ref_name }}", "REF_TYPE": "${{ github.ref_type }}"}

gate_checkout_inputs := {"persist-credentials": false, "fetch-depth": 0}

# The scripts that audit, check and sign a release, word for word: the
# ordering rules below find these steps by their make targets, and an edited
# copy (`|| true`, an `exit 0` first, `set +e`, a shell function named make)
# would be found just the same and check nothing.
release_check_scripts := {
	`base=$(sed -n 's/^ARG RUNTIME_IMAGE=//p' Dockerfile)
build/tools/install.sh crane
build/supply-chain/provenance.sh dockerfile "$IMAGE" "$base"
make sbom IMAGE="$IMAGE"
make sbom-audit IMAGE="$IMAGE"
`,
	`make sbom IMAGE="$IMAGE"
make sbom-audit IMAGE="$IMAGE"
`,
	`make vulncheck IMAGE="$IMAGE"
make vulncheck IMAGE="$IMAGE" GOVULNDB=https://vuln.go.dev
`,
	`make sign IMAGE="$IMAGE"`,
}

# What each test job runs, each as a step of its own and word for word. The
# release needs these jobs, so a test job that only echoes would let it go
# ahead; and the policy job is what runs this policy in CI.
tested_by := {
	"go": ["make lint", "make test-go test-contract fuzz-short test-scripts", "make test-vuln", "build/vuln/check.sh"],
	"policy": ["make test-policy"],
	"image-test": ["make test-image"],
	"supply-chain-test": ["make test-supply-chain"],
}

# The roles whose every script is reviewed: each run step, in order, with
# its id, env and script word for word. The reproducibility check passes
# whatever a build it does not reproduce prints, and an edited release
# upload could publish anything; so neither is left to review alone.

# The commit's time, for SOURCE_DATE_EPOCH: in the reproducibility jobs and
# the image job alike (release_build below).
epoch_script := `echo "epoch=$(git log -1 --format=%ct)" >>"$GITHUB_OUTPUT"`

reproducible_index_script := `digest=$(jq -r '."containerimage.digest"' <<<"$METADATA")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "the build reported no index digest: '$digest'"; exit 1; }
mkdir -p "$RUNNER_TEMP/oci"
tar -xf "$RUNNER_TEMP/image.tar" -C "$RUNNER_TEMP/oci"
jq -e --arg d "$digest" '.manifests[0].digest == $d' "$RUNNER_TEMP/oci/index.json" >/dev/null
index=$RUNNER_TEMP/oci/blobs/sha256/${digest#sha256:}
[[ sha256:$(sha256sum <"$index" | cut -d' ' -f1) == "$digest" ]] || { echo "the layout's index is not $digest"; exit 1; }
jq . "$index"
platforms=$(build/supply-chain/platform-digests.sh <"$index")
{ echo "digest=$digest"; echo "platforms=$platforms"; } >>"$GITHUB_OUTPUT"
`

reproducible_check_script := `[[ $FIRST_DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "the first runner reported no digest: '$FIRST_DIGEST'"; exit 1; }
[[ $FIRST_DIGEST == "$SECOND_DIGEST" ]] ||
  { echo "not reproducible: $FIRST_DIGEST on one runner, $SECOND_DIGEST on the other (each build job prints its index)"; exit 1; }
[[ -n $FIRST_PLATFORMS && $FIRST_PLATFORMS == "$SECOND_PLATFORMS" ]] ||
  { echo "not reproducible: platform manifests '$FIRST_PLATFORMS' on one runner, '$SECOND_PLATFORMS' on the other"; exit 1; }
echo "reproducible: both runners built $FIRST_DIGEST: $FIRST_PLATFORMS"
echo "platforms=$FIRST_PLATFORMS" >>"$GITHUB_OUTPUT"
`

release_assets_script := `build/supply-chain/release-assets.sh "$RUNNER_TEMP/assets" "$DOCKERFILE_IMAGE" "$KO_IMAGE"`

# A new release, created with the assets and published once they are all
# up, holding exactly them (build/supply-chain/release-publish.sh): never
# an upload into a release that already exists.
release_publish_script := `build/supply-chain/release-publish.sh "$RUNNER_TEMP/assets"`

exact_runs := {
	"reproducibility build": [
		{"id": "epoch", "env": {}, "run": epoch_script},
		{"id": "index", "env": {"METADATA": "${{ steps.build.outputs.metadata }}"}, "run": reproducible_index_script},
	],
	"reproducibility check": [{
		"id": "compare", "env": {
			"FIRST_DIGEST": "${{ needs.reproducible-1.outputs.digest }}",
			"SECOND_DIGEST": "${{ needs.reproducible-2.outputs.digest }}",
			"FIRST_PLATFORMS": "${{ needs.reproducible-1.outputs.platforms }}",
			"SECOND_PLATFORMS": "${{ needs.reproducible-2.outputs.platforms }}",
		},
		"run": reproducible_check_script,
	}],
	"release assets": [
		{
			"id": null, "env": {
				"VERSION": "${{ github.ref_name }}",
				"DOCKERFILE_IMAGE": "${{ needs.image.outputs.image }}",
				"KO_IMAGE": "${{ needs.ko.outputs.image }}",
			},
			"run": release_assets_script,
		},
		{
			"id": null, "env": {
				"VERSION": "${{ github.ref_name }}",
				"GH_REPO": "${{ github.repository }}",
				"GH_TOKEN": secret_value,
			},
			"run": release_publish_script,
		},
	],
}

# Their outputs, exactly: the compare job reads the builds', and the image
# job the compare job's.
exact_outputs := {
	"reproducibility build": {
		"digest": "${{ steps.index.outputs.digest }}",
		"platforms": "${{ steps.index.outputs.platforms }}",
	},
	"reproducibility check": {"platforms": "${{ steps.compare.outputs.platforms }}"},
}

# Inputs whose value decides what is built when they are given: a context
# URL would build and sign someone else's source under our name. (Where the
# result goes, outputs, is each role's own: release_build below.)
fixed_inputs := {"docker/build-push-action": {"context": "."}}

# --- Helpers ------------------------------------------------------------------

role(name) := job_roles[name]

spec(name) := roles[job_roles[name]]

jobs_in_roles(names) := {job | some job, r in job_roles; r in names}

needs(job) := job.needs if is_array(job.needs)

needs(job) := [job.needs] if is_string(job.needs)

needs(job) := [] if not job.needs

# A job's permissions, or the workflow's when it sets none.
permissions(job) := object.get(job, "permissions", object.get(input, "permissions", {}))

writes(job) if {
	some level in permissions(job)
	level == "write"
}

writes(job) if permissions(job) == "write-all"

writers := {name | some name, job in jobs; writes(job)}

action_name(uses) := split(uses, "@")[0]

action(step) := action_name(step.uses)

step_label(i, step) := sprintf("step %d (%v)", [i + 1, label]) if {
	label := object.get(step, "name", object.get(step, "uses", split(object.get(step, "run", ""), "\n")[0]))
}

# Where a value sits, for messages: "job image, step 5 (Build): with.tags".
where(path) := sprintf("job %s, %s: %s", [path[1], step_label(path[3], jobs[path[1]].steps[path[3]]), dotted(array.slice(path, 4, count(path)))]) if {
	path[0] == "jobs"
	path[2] == "steps"
	count(path) > 4
} else := sprintf("job %s: %s", [path[1], dotted(array.slice(path, 2, count(path)))]) if {
	path[0] == "jobs"
} else := sprintf("the workflow's %s", [dotted(path)])

dotted(path) := concat(".", [sprintf("%v", [p]) | some p in path])

# Every step, found once as [job, index, step]; the steps that use an
# action, by the action's owner/name; and the steps that run a script. The
# rules below read these rather than walk every job's steps again.
all_steps contains [name, i, step] if {
	some name, job in jobs
	some i, step in steps(job)
}

uses_steps[a] contains [name, i, step] if {
	some [name, i, step] in all_steps
	is_string(step.uses)
	a := action_name(step.uses)
}

# The steps whose uses is exactly an allowlisted action at its commit.
pinned_steps[a] contains [name, i, step] if {
	some a, used in uses_steps
	actions[a]
	some [name, i, step] in used
	step.uses == concat("@", [a, actions[a].sha])
}

run_steps contains [name, i, step] if {
	some [name, i, step] in all_steps
	is_string(step.run)
}

# Every ${{ }} expression in the workflow, found once: where it is, the
# value that holds it, and each name it reads once its string literals are
# blanked out (a function such as toJSON is a name too).
expression_reads contains [path, value, expression, ref] if {
	walk(input, [path, value])
	is_string(value)
	contains(value, "${{")
	some m in regex.find_all_string_submatch_n(`(?s)\$\{\{(.*?)\}\}`, value, -1)
	expression := m[1]
	some ref in regex.find_n(`[A-Za-z_][^\s=!&|()<>,]*`, regex.replace(expression, `'[^']*'`, "''"), -1)
}

secret_reads contains [path, value] if {
	some [path, value, _, ref] in expression_reads
	regex.match(`^secrets($|[.\[])`, ref)
}

# Jobs that cannot run for a pull request: with the trigger set above, a job
# whose condition is exactly push_only, or one that needs such a job through
# jobs whose conditions are allowed ones, which hold no status function and
# so are skipped with what they need. A job with any other condition starts
# no such chain and is in none, whatever the condition says.
skips_with_needs(job) if not job["if"]

skips_with_needs(job) if job["if"] in {push_only, pull_request_only, tag_push_only}

skip_graph[name] := needs(job) if {
	some name, job in jobs
	skips_with_needs(job)
}

skip_graph[name] := [] if {
	some name, job in jobs
	not skips_with_needs(job)
}

never_for_pull_requests(name) if {
	some n in graph.reachable(skip_graph, {name})
	object.get(jobs, [n, "if"], null) in {push_only, tag_push_only}
}

# --- Triggers and the workflow's own keys -------------------------------------

deny contains msg if {
	not is_object(input)
	msg := "the input is not one workflow (a single YAML mapping)"
}

# conftest's YAML reads the key `on` as the boolean true (YAML 1.1); GitHub
# reads it as "on". Both spellings name the triggers.
trigger_keys := {k | some k in ["on", "true"]; k in object.keys(input)}

triggers := input[k] if {
	count(trigger_keys) == 1
	some k in trigger_keys
}

deny contains msg if {
	some key in (object.keys(input) - (allowed_workflow_keys | {"true"}))
	msg := sprintf("the workflow's key %s is not allowed%s; a workflow may set only %s", [key, hint(key), concat(", ", sort(allowed_workflow_keys))])
}

hint(key) := sprintf(" (%s)", [key_hints[key]]) if key_hints[key]

else := ""

deny contains msg if {
	count(trigger_keys) != 1
	msg := "the workflow needs one `on:`, with the events push (branches [main], tags [v*]) and pull_request"
}

deny contains msg if {
	not is_object(triggers)
	msg := sprintf("on: %v: triggers must be a mapping, exactly push (branches [main], tags [v*]) and pull_request", [triggers])
}

deny contains msg if {
	some event, _ in triggers
	not event in object.keys(allowed_triggers)
	msg := sprintf("trigger %s is not allowed; the workflow runs only on push (branches [main], tags [v*]) and pull_request", [event])
}

deny contains msg if {
	some event, filter in triggers
	event in object.keys(allowed_triggers)
	filter != allowed_triggers[event]
	msg := sprintf("trigger %s: %v is not allowed; exactly %v", [event, filter, allowed_triggers[event]])
}

deny contains msg if {
	is_object(triggers)
	some event, _ in allowed_triggers
	not event in object.keys(triggers)
	msg := sprintf("trigger %s is missing: tests run for every pull request, and releases on push to main and v* tags", [event])
}

deny contains msg if {
	not "permissions" in object.keys(input)
	msg := sprintf("the workflow sets no top-level permissions, so jobs get the repository's default token; set permissions: %v", [allowed_workflow_permissions])
}

deny contains msg if {
	"permissions" in object.keys(input)
	input.permissions != allowed_workflow_permissions
	msg := sprintf("the workflow's permissions %v are not allowed; exactly %v, and more only in the jobs whose role needs it", [input.permissions, allowed_workflow_permissions])
}

deny contains msg if {
	object.get(input, "concurrency", null) != allowed_concurrency
	msg := sprintf("the workflow's concurrency %v is not allowed; exactly %v", [object.get(input, "concurrency", null), allowed_concurrency])
}

deny contains msg if {
	some key in (object.keys(object.get(input, "env", {})) - allowed_workflow_env)
	msg := sprintf("the workflow's env %s is not allowed; it may set only %s", [key, concat(", ", sort(allowed_workflow_env))])
}

# --- Jobs ---------------------------------------------------------------------

deny contains msg if {
	some name, _ in jobs
	not job_roles[name]
	msg := sprintf("job %v is not on the allowlist; the jobs are %s (a new job is a policy edit: give it a role in job_roles)", [name, concat(", ", sort(object.keys(job_roles)))])
}

deny contains msg if {
	some name, r in job_roles
	not jobs[name]
	msg := sprintf("job %s (%s) is missing; the allowlist expects it, and the jobs after it rely on it", [name, r])
}

# Every check below reads a job as a mapping and its steps as a list of
# mappings; anything else would slip past them, so it is refused here.
deny contains msg if {
	some name in malformed_jobs
	msg := sprintf("job %s is not a mapping whose steps are a list of mappings", [name])
}

deny contains msg if {
	not is_object(jobs)
	msg := "jobs is not a mapping of job names to jobs"
}

malformed_jobs := ({name | some name, job in jobs; not is_object(job)} | {name |
	some name, job in jobs
	not is_array(steps(job))
}) | {name |
	some [name, _, step] in all_steps
	not is_object(step)
}

job_keys(name) := reusable_job_keys if role(name) == "provenance"

else := allowed_job_keys

deny contains msg if {
	some name, job in jobs
	some key in (object.keys(job) - job_keys(name))
	msg := sprintf("job %s: %s is not allowed%s; a job may set only %s", [name, key, hint(key), concat(", ", sort(job_keys(name)))])
}

deny contains msg if {
	some name, job in jobs
	not role(name) == "provenance"
	not object.get(job, "runs-on", null) in allowed_runners
	msg := sprintf("job %s: runs-on %v is not allowed; only %s (a self-hosted runner keeps what a pull request leaves)", [name, object.get(job, "runs-on", null), concat(", ", sort(allowed_runners))])
}

# --- The SLSA generator's calls ---

deny contains msg if {
	some name, job in jobs
	role(name) == "provenance"
	not called_workflow(job)
	msg := sprintf("job %s (provenance): uses %v is not allowed; only %s, by its tag (the generator refuses a branch or a commit, and the policies that read its provenance accept that tag alone)", [name, object.get(job, "uses", null), concat(", ", sorted_calls)])
}

sorted_calls := sort([sprintf("%s@%s", [w, r.ref]) | some w, r in reusable_workflows])

called_workflow(job) if {
	some w, r in reusable_workflows
	job.uses == sprintf("%s@%s", [w, r.ref])
}

deny contains msg if {
	some name, job in jobs
	role(name) == "provenance"
	want := {
		"image": sprintf("${{ needs.%s.outputs.name }}", [object.get(attests, name, "(a release job)")]),
		"digest": sprintf("${{ needs.%s.outputs.digest }}", [object.get(attests, name, "(a release job)")]),
		"registry-username": "${{ github.actor }}",
	}
	object.get(job, "with", null) != want
	msg := sprintf("job %s (provenance): with %v is not allowed; exactly %v: the image and digest of the job it attests, and no other input (continue-on-error would let a failed provenance pass; provenance-repository would put it where no policy looks)", [name, object.get(job, "with", null), want])
}

deny contains msg if {
	some name, job in jobs
	role(name) == "provenance"
	object.get(job, "secrets", null) != {"registry-password": secret_value}
	msg := sprintf("job %s (provenance): secrets %v are not allowed; exactly {\"registry-password\": %q} (secrets: inherit would hand it every secret)", [name, object.get(job, "secrets", null), secret_value])
}

deny contains msg if {
	some name, job in jobs
	role(name) == "provenance"
	not attests[name] in needs(job)
	msg := sprintf("job %s (provenance) does not need %v, the job whose image it attests", [name, object.get(attests, name, "(a release job)")])
}

# --- Reviewed scripts ---

runs_of(job) := [{"id": object.get(step, "id", null), "env": object.get(step, "env", {}), "run": step.run} |
	some step in steps(job)
	is_object(step)
	is_string(object.get(step, "run", null))
]

deny contains msg if {
	some name, job in jobs
	want := exact_runs[role(name)]
	runs_of(job) != want
	msg := sprintf("job %s (%s): its scripts are not the reviewed ones; each run step, in order, must be exactly one of policy/workflow's exact_runs[%q] (id, env and script word for word)", [name, role(name), role(name)])
}

deny contains msg if {
	some name, job in jobs
	want := exact_outputs[role(name)]
	object.get(job, "outputs", {}) != want
	msg := sprintf("job %s (%s): outputs %v, want exactly %v", [name, role(name), object.get(job, "outputs", {}), want])
}

deny contains msg if {
	some name, job in jobs
	role(name) in object.keys(exact_runs)
	used := {action(step) | some step in steps(job); is_string(object.get(step, "uses", null))}
	used != spec(name).actions
	msg := sprintf("job %s (%s) uses %v; exactly %v, each once", [name, role(name), used, spec(name).actions])
}

deny contains msg if {
	some name, job in jobs
	role(name) in object.keys(exact_runs)
	uses := [step.uses | some step in steps(job); is_string(object.get(step, "uses", null))]
	count(uses) != count({u | some u in uses})
	msg := sprintf("job %s (%s) uses an action twice", [name, role(name)])
}

# A GitHub release is written only by the release-assets job.
deny contains msg if {
	some [name, i, step] in run_steps
	regex.match(`\bgh\b[^\n]*\brelease\b|\bapi\b[^\n]*/releases`, step.run)
	role(name) != "release assets"
	msg := sprintf("job %s, %s: writes or reads GitHub releases; only the tag's release-assets job may", [name, step_label(i, step)])
}

deny contains msg if {
	some name, job in jobs
	want := spec(name)["if"]
	object.get(job, "if", null) != want
	msg := sprintf("job %s (%s): if %v is not allowed; exactly %s", [name, role(name), object.get(job, "if", null), condition(want)])
}

condition(null) := "none: it is skipped with the jobs it needs"

condition(c) := sprintf("%q", [c]) if c != null

deny contains msg if {
	some name, job in jobs
	some gate in jobs_in_roles(spec(name).needs)
	not gate in needs(job)
	msg := sprintf("job %s (%s) does not need %s; it must need every %s job", [name, role(name), gate, concat(" and every ", sort(spec(name).needs))])
}

deny contains msg if {
	some name, job in jobs
	want := spec(name).permissions
	permissions(job) != want
	msg := sprintf("job %s (%s): permissions %v are not allowed; exactly %v", [name, role(name), permissions(job), want])
}

# The structure behind the table: whatever roles say, write scopes (an
# id-token too), secrets and publishing are only for jobs that cannot run for
# a pull request, after every test and the gate.
deny contains msg if {
	some name, job in jobs
	privileged(name, job)
	not never_for_pull_requests(name)
	msg := sprintf("job %s holds write permissions, secrets or a push or signature but may run for pull requests: it needs if %q, or a job that has it", [name, push_only])
}

deny contains msg if {
	some name in writers
	some gate in jobs_in_roles(gating_roles)
	not gate in needs(jobs[name])
	msg := sprintf("job %s holds write permissions but does not need %s", [name, gate])
}

privileged(name, _) if name in writers

privileged(name, _) if name in secret_jobs

privileged(name, _) if name in signing_jobs

privileged(name, _) if name in pushing_jobs

secret_jobs := {path[1] | some [path, _] in secret_reads; path[0] == "jobs"}

signing_jobs := {name | some [name, _] in sign_steps}

pushing_jobs := {name | some [name, _, step] in pushing_steps}

# A quoted "true" pushes just the same as true.
pushing_steps contains [name, i, step] if {
	some [name, i, step] in uses_steps["docker/build-push-action"]
	object.get(step, ["with", "push"], false) != false
}

# --- Steps --------------------------------------------------------------------

deny contains msg if {
	some [name, i, step] in all_steps
	some key in (object.keys(step) - allowed_step_keys)
	msg := sprintf("job %s, %s: %s is not allowed%s; a step may set only %s", [name, step_label(i, step), key, hint(key), concat(", ", sort(allowed_step_keys))])
}

deny contains msg if {
	some [name, i, step] in all_steps
	count(object.keys(step) & {"uses", "run"}) != 1
	msg := sprintf("job %s, %s: a step either uses an action or runs a script", [name, step_label(i, step)])
}

deny contains msg if {
	some [name, i, step] in all_steps
	"uses" in object.keys(step)
	not pinned(step.uses)
	msg := sprintf("job %s, %s: %v is not on the action allowlist: %s", [name, step_label(i, step), step.uses, why_not(step.uses)])
}

pinned(uses) if uses == concat("@", [action_name(uses), actions[action_name(uses)].sha])

why_not(uses) := "not an owner/name@commit string" if {
	not is_string(uses)
} else := "a container image as a step runs code no one reviewed here" if {
	startswith(uses, "docker://")
} else := "a local action's steps are outside this file, so this policy cannot check them; put the steps in ci.yml" if {
	startswith(uses, "./")
} else := sprintf("not pinned by commit SHA; allowed: %s", [pin(action_name(uses))]) if {
	actions[action_name(uses)]
	not regex.match(`@[0-9a-f]{40}$`, uses)
} else := sprintf("a commit the allowlist does not hold; allowed: %s (a bump edits ci.yml and policy/workflow's actions together)", [pin(action_name(uses))]) if {
	actions[action_name(uses)]
} else := sprintf("an action the allowlist does not hold; allowed: %s, each at its commit in policy/workflow", [concat(", ", sort(object.keys(actions)))])

pin(name) := sprintf("%s@%s (%s)", [name, actions[name].sha, actions[name].version])

deny contains msg if {
	some a, used in pinned_steps
	some [name, i, step] in used
	not a in spec(name).actions
	msg := sprintf("job %s, %s: %s is not allowed in a %s job; only %s", [name, step_label(i, step), a, role(name), concat(", ", sort(spec(name).actions))])
}

deny contains msg if {
	some a, used in pinned_steps
	some [name, i, step] in used
	some input_name in (object.keys(object.get(step, "with", {})) - actions[a].inputs)
	msg := sprintf("job %s, %s: input %s of %s is not allowed; only %s", [name, step_label(i, step), input_name, a, concat(", ", sort(actions[a].inputs))])
}

deny contains msg if {
	some [name, i, step] in uses_steps["actions/checkout"]
	object.get(step, ["with", "persist-credentials"], true) != false
	msg := sprintf("job %s, %s: actions/checkout without persist-credentials: false leaves the token in .git/config", [name, step_label(i, step)])
}

# The token goes to our registry and nowhere else.
deny contains msg if {
	some [name, i, step] in uses_steps["docker/login-action"]
	object.get(step, ["with", "registry"], null) != "ghcr.io"
	msg := sprintf("job %s, %s: docker/login-action logs in to %v; only ghcr.io", [name, step_label(i, step), object.get(step, ["with", "registry"], null)])
}

deny contains msg if {
	some a, fixed in fixed_inputs
	some [name, i, step] in uses_steps[a]
	some input_name, want in fixed
	some got in object.filter(object.get(step, "with", {}), {input_name})
	got != want
	msg := sprintf("job %s, %s: %s's %s is %v; only %v", [name, step_label(i, step), a, input_name, got, want])
}

# The key and input allowlists read with and env as mappings; GitHub also
# takes an expression for env, whose variables no rule here could see.
deny contains msg if {
	some [name, i, step] in all_steps
	some key in ({"with", "env"} & object.keys(step))
	not is_object(step[key])
	msg := sprintf("job %s, %s: %s is %v, not a mapping of names to values", [name, step_label(i, step), key, step[key]])
}

deny contains msg if {
	some [name, i, step] in all_steps
	some key in (object.keys(object.get(step, "env", {})) - allowed_step_env)
	msg := sprintf("job %s, %s: env %s is not allowed; a step may set only %s", [name, step_label(i, step), key, concat(", ", sort(allowed_step_env))])
}

deny contains msg if {
	some [name, i, step] in run_steps
	not step.run in release_check_scripts
	some command in regex.find_n(`make (sbom-audit|vulncheck|sign)`, step.run, 1)
	msg := sprintf("job %s, %s: a step that runs %s runs exactly one of policy/workflow's release_check_scripts; an edited check may be one that cannot fail", [name, step_label(i, step), command])
}

# Signing goes through make sign, which the ordering rules below can see.
deny contains msg if {
	some [name, i, step] in run_steps
	regex.match(`\bcosign\b`, step.run)
	msg := sprintf("job %s, %s: runs cosign; sign with make sign, after the audit, the vulnerability gate and the scan", [name, step_label(i, step)])
}

# Script injection: event data reaches run scripts only through env.
deny contains msg if {
	some [name, i, step] in run_steps
	contains(step.run, "${{")
	msg := sprintf("job %s, %s: ${{ }} inside run; pass it through env", [name, step_label(i, step)])
}

# The same injection into actions/github-script, whose script is JavaScript.
deny contains msg if {
	some [name, i, step] in all_steps
	contains(object.get(step, ["with", "script"], ""), "${{")
	msg := sprintf("job %s, %s: ${{ }} inside with.script is expression injection; pass it through env", [name, step_label(i, step)])
}

# A line written to GITHUB_ENV or GITHUB_PATH sets a variable or a PATH entry
# for every later step of the job, past the env allowlist.
deny contains msg if {
	some [name, i, step] in run_steps
	regex.match(`GITHUB_(ENV|PATH)`, step.run)
	msg := sprintf("job %s, %s: writes GITHUB_ENV or GITHUB_PATH, which change every later step; pass values on through GITHUB_OUTPUT", [name, step_label(i, step)])
}

# --- Expressions and secrets --------------------------------------------------

deny contains msg if {
	some [path, _, expression, ref] in expression_reads
	not allowed_context(ref)
	msg := sprintf("%s: ${{%s}} reads %s; an expression may read only env.*, %s, steps.*.outputs.* and needs.*.outputs.*", [where(path), expression, ref, concat(", ", sort(allowed_contexts - {"true", "false", "null"}))])
}

deny contains msg if {
	some [path, value] in secret_reads
	not secret_allowed(path, value)
	msg := sprintf("%s reads secrets; only %s, as the whole value of %s or env %s, in a release or after-release job (and as the generator's registry-password, and release-assets' %s)", [where(path), secret_value, concat(" or ", sort([sprintf("%s's %s", [a, i]) | some a, i in secret_inputs])), concat(", ", sort(secret_env)), release_secret_env])
}

secret_allowed(path, value) if {
	value == secret_value
	["jobs", name, "steps", i, "with", input_name] = path
	spec(name).secrets
	secret_inputs[action(jobs[name].steps[i])] == input_name
}

secret_allowed(path, value) if {
	value == secret_value
	["jobs", name, "steps", _, "env", variable] = path
	spec(name).secrets
	variable in secret_env
}

secret_allowed(path, value) if {
	value == secret_value
	["jobs", name, "steps", _, "env", release_secret_env] = path
	role(name) == "release assets"
}

# The generator logs in to the registry to push its attestation.
secret_allowed(path, value) if {
	value == secret_value
	["jobs", name, "secrets", "registry-password"] = path
	role(name) == "provenance"
}

# --- What the tests and the release gate run ----------------------------------

deny contains msg if {
	some name, commands in tested_by
	jobs[name]
	some command in commands
	not [name, command] in scripts
	msg := sprintf("job %s runs no step that is exactly %q; its steps are in policy/workflow's tested_by, and a test that only echoes passes the release it gates", [name, command])
}

scripts := {[name, step.run] | some [name, _, step] in run_steps}

deny contains msg if {
	not jobs["release-gate"]
	msg := "no release-gate job"
}

deny contains msg if {
	some name, job in jobs
	role(name) == "release gate"
	not gate_steps(steps(job))
	msg := sprintf("job %s: its steps must be exactly actions/checkout (with %v) and the version-and-ancestry check of policy/workflow's gate_script, with env %v; a gate that can be edited, or that only echoes, gates nothing", [name, gate_checkout_inputs, gate_env])
}

gate_steps(s) if {
	count(s) == 2
	s[0].uses == concat("@", ["actions/checkout", actions["actions/checkout"].sha])
	s[0]["with"] == gate_checkout_inputs
	s[1].run == gate_script
	s[1].env == gate_env
}

# --- What a release does before it signs --------------------------------------

# ${{ env.NAME }} in a value, resolved from the workflow's env.
resolve(value) := resolved if {
	name := regex.find_all_string_submatch_n(`^\$\{\{ *env\.([A-Za-z_][A-Za-z0-9_]*) *\}\}$`, value, 1)[0][1]
	resolved := object.get(object.get(input, "env", {}), name, "")
} else := value

# The whole reference, not its end: "x,env.PIN=y@sha256:..." ends like a
# pinned image, and buildx splits it at the comma.
pinned_image(ref) if regex.match(`^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?@sha256:[a-f0-9]{64}$`, ref)

# Build arguments, BuildKit's options and its SBOM generator are ways into
# the build (BUILDKIT_SYNTAX hands the build to another frontend; a second
# GO_IMAGE line, indented or quoted, is the one buildx keeps): each is one
# of the reviewed values exactly, as ci.yml writes it: the pull request's
# build, or the release's (release_build_args, below).
allowed_build_args := {"GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\n", release_build_args}

deny contains msg if {
	some [name, _, step] in uses_steps["docker/build-push-action"]
	args := object.get(step, ["with", "build-args"], "")
	not args in allowed_build_args
	msg := sprintf("job %s: build-push-action's build-args %q are not one of the reviewed sets (policy/workflow's allowed_build_args)", [name, args])
}

deny contains msg if {
	some [name, _, step] in uses_steps["docker/setup-buildx-action"]
	opts := object.get(step, ["with", "driver-opts"], "")
	opts != "image=${{ env.BUILDKIT_IMAGE }}"
	msg := sprintf("job %s: setup-buildx-action's driver-opts %q, want exactly image=${{ env.BUILDKIT_IMAGE }}", [name, opts])
}

deny contains msg if {
	some [name, _, step] in uses_steps["docker/build-push-action"]
	attests := object.get(step, ["with", "attests"], "type=sbom,generator=${{ env.SBOM_GENERATOR }}")
	attests != "type=sbom,generator=${{ env.SBOM_GENERATOR }}"
	msg := sprintf("job %s: build-push-action's attests %q, want exactly type=sbom,generator=${{ env.SBOM_GENERATOR }}", [name, attests])
}

# --- The release is the reproducible build ---------------------------------

# The Dockerfile image as the release builds it, once for the three jobs
# that build it: the image job, which pushes it, and the two reproducibility
# jobs, which rebuild it on runners of their own. The same context,
# platforms, build arguments (the release Go; VERSION, REVISION and
# SOURCE_DATE_EPOCH of the commit, from the same epoch step; the
# Dockerfile's bases by default) and exporter options, no cache, in the
# pinned BuildKit (driver-opts, below). Only where the result goes differs,
# and what the release adds beside the image: its attestation manifests,
# which the index lists next to the platform manifests and which change
# none of them. A reproducibility check of any other build would prove
# nothing about the image that ships.
release_build_args := "GO_IMAGE=${{ env.RELEASE_GO_IMAGE }}\nVERSION=${{ github.ref_name }}\nREVISION=${{ github.sha }}\nSOURCE_DATE_EPOCH=${{ steps.epoch.outputs.epoch }}\n"

# OCI media types spelled out: the image exporter's default is Docker's,
# the OCI exporter's OCI's, and BuildKit switches the image exporter to OCI
# only when attestations come along.
exporter_options := "oci-mediatypes=true,rewrite-timestamp=true"

release_build := {
	"context": ".",
	"platforms": "linux/amd64,linux/arm64",
	"no-cache": true,
	"build-args": release_build_args,
}

build_with := {
	"release": object.union(release_build, {
		"outputs": concat(",", ["type=image", exporter_options]),
		"push": true,
		"tags": "${{ steps.name.outputs.image }}:${{ github.sha }}",
		"attests": "type=sbom,generator=${{ env.SBOM_GENERATOR }}",
		"provenance": "mode=max",
	}),
	"reproducibility build": object.union(release_build, {
		"outputs": concat(",", ["type=oci,dest=${{ runner.temp }}/image.tar", exporter_options]),
		"provenance": false,
		"sbom": false,
	}),
}

# The jobs that build the release image: each exactly once.
release_image_builders := {name | some name, r in job_roles; r == "reproducibility build"} | {"image"}

release_builds contains [name, i, step] if {
	some [name, i, step] in uses_steps["docker/build-push-action"]
	name in release_image_builders
}

deny contains msg if {
	some name in release_image_builders
	jobs[name]
	count({i | some [n, i, _] in release_builds; n == name}) != 1
	msg := sprintf("job %s builds the release image, with docker/build-push-action, not exactly once", [name])
}

deny contains msg if {
	some [name, i, step] in release_builds
	want := build_with[role(name)]
	got := object.get(step, "with", {})
	differ := {k | some k in (object.keys(want) | object.keys(got)); object.get(got, k, null) != object.get(want, k, null)}
	count(differ) > 0
	msg := sprintf("job %s, %s: docker/build-push-action is not the release's build; %s differ from policy/workflow's build_with[%q] (release_build: one context, platforms, build arguments, no cache and exporter options for the release and both reproducibility builds)", [name, step_label(i, step), concat(", ", sort(differ)), role(name)])
}

# Outputs elsewhere: none (the pull request's build exports nothing).
deny contains msg if {
	some [name, i, step] in uses_steps["docker/build-push-action"]
	not name in release_image_builders
	"outputs" in object.keys(object.get(step, "with", {}))
	msg := sprintf("job %s, %s: docker/build-push-action's outputs is %v; only the release and reproducibility builds export, as build_with says", [name, step_label(i, step), step["with"].outputs])
}

# SOURCE_DATE_EPOCH comes from the same step wherever the release image is
# built, before the build.
deny contains msg if {
	some [name, i, step] in release_builds
	not epoch_before(name, i)
	msg := sprintf("job %s, %s: no step before it is exactly {id: epoch, run: %s}, the commit's time for SOURCE_DATE_EPOCH as every release build takes it", [name, step_label(i, step), epoch_script])
}

epoch_before(name, i) if {
	some j, step in steps(jobs[name])
	j < i
	step.id == "epoch"
	step.run == epoch_script
	object.get(step, "env", {}) == {}
}

# The image that ships is the one reproduced: after the push and before any
# signature, the job reads the pushed index and fails unless its platform
# manifests are those the reproducibility check passed on, of the image it
# goes on to sign.
compare_script := `index=$(docker buildx imagetools inspect --raw "$IMAGE")
pushed=$(build/supply-chain/platform-digests.sh <<<"$index")
[[ -n $REPRODUCED && $pushed == "$REPRODUCED" ]] ||
  { echo "$IMAGE is not the reproducible build: it lists $pushed, the reproducibility runners built '$REPRODUCED'"; exit 1; }
echo "$IMAGE is the reproducible build: $pushed"
`

reproduced_platforms := "${{ needs.reproducible.outputs.platforms }}"

deny contains msg if {
	some [name, i, step] in release_builds
	object.get(step, ["with", "push"], false) != false
	not compared_before_signing(name, i)
	msg := sprintf("job %s, %s: pushes the release image but no later step, before every signature, checks that its platform manifests are the reproducible build's: a run step exactly policy/workflow's compare_script, with env IMAGE (the image the job signs) and REPRODUCED %s", [name, step_label(i, step), reproduced_platforms])
}

compared_before_signing(name, i) if {
	some j, step in steps(jobs[name])
	j > i
	object.get(step, "run", null) == compare_script
	env := object.get(step, "env", {})
	object.keys(env) == {"IMAGE", "REPRODUCED"}
	env.REPRODUCED == reproduced_platforms
	every sign in sign_steps {
		signed_after_comparison(name, j, env.IMAGE, sign[0], sign[1])
	}
}

signed_after_comparison(name, _, _, n, _) if n != name

signed_after_comparison(name, j, image, name, k) if {
	k > j
	signed_image(name, k) == image
}

# Caches a pull request can write must not reach a release.
deny contains msg if {
	some a in {"actions/setup-go", "actions/cache", "docker/build-push-action"}
	some [name, _, step] in uses_steps[a]
	name in writers
	restores_cache(a, step)
	msg := sprintf("job %s holds write permissions but restores a cache (%s)", [name, step.uses])
}

restores_cache("actions/setup-go", step) if object.get(step, ["with", "cache"], true) != false

restores_cache("actions/cache", _)

restores_cache("docker/build-push-action", step) if step["with"]["cache-from"]

restores_cache("docker/build-push-action", step) if object.get(step, ["with", "no-cache"], false) != true

deny contains msg if {
	some [name, _, step] in uses_steps["docker/setup-buildx-action"]
	image := resolve(trim_prefix(object.get(step, ["with", "driver-opts"], "image=unpinned"), "image="))
	not pinned_image(image)
	msg := sprintf("job %s: setup-buildx-action's BuildKit image %q is not pinned by digest", [name, image])
}

deny contains msg if {
	some [name, _, step] in uses_steps["docker/build-push-action"]
	object.get(step, ["with", "sbom"], false) != false
	msg := sprintf("job %s: build-push-action's sbom input runs BuildKit's default, unpinned SBOM generator; use attests with a pinned generator", [name])
}

deny contains msg if {
	some [name, _, step] in pushing_steps
	generator := resolve(regex.replace(object.get(step, ["with", "attests"], ""), `^.*generator=`, ""))
	not pinned_image(generator)
	msg := sprintf("job %s: the SBOM generator %q is not pinned by digest", [name, generator])
}

# A pushed build uses a supported Go, not the Dockerfile's 1.22 default.
deny contains msg if {
	some [name, _, step] in pushing_steps
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
# the image scan, in the same job and of the image it signs (a scan of some
# clean image would pass whatever ours holds).
sign_steps contains [name, i] if {
	some [name, i, step] in run_steps
	contains(step.run, "make sign")
}

deny contains msg if {
	some [name, i] in sign_steps
	some command in ["make sbom-audit", "make vulncheck"]
	not runs_before(name, i, command)
	msg := sprintf("job %s, %s signs before %s has run on the image it signs", [name, step_label(i, jobs[name].steps[i]), command])
}

deny contains msg if {
	some [name, i] in sign_steps
	not scans_before(name, i)
	msg := sprintf("job %s, %s signs before a vulnerability scan of the image it signs that fails on fixable critical and high findings", [name, step_label(i, jobs[name].steps[i])])
}

signed_image(name, i) := jobs[name].steps[i].env.IMAGE

runs_before(name, i, command) if {
	some [n, j, step] in run_steps
	n == name
	j < i
	contains(step.run, command)
	step.env.IMAGE == signed_image(name, i)
}

scans_before(name, i) if {
	some [n, j, step] in uses_steps["anchore/scan-action"]
	n == name
	j < i
	step["with"].image == signed_image(name, i)
	step["with"]["fail-build"] == true
	step["with"]["only-fixed"] == true
	step["with"]["severity-cutoff"] in {"high", "medium", "low", "negligible"}
}

deny contains msg if {
	some name in writers
	role(name) == "release"
	not name in signing_jobs
	msg := sprintf("job %s holds write permissions but signs nothing (make sign)", [name])
}

# SECURITY.md's promise after a release: the verified images run on a real
# cluster under the policy-controller's webhook (build/k8s/kind.sh), from a
# job that needs the verification and writes nothing.
verify_jobs := {name |
	some [name, _, step] in run_steps
	contains(step.run, "make verify")
}

deny contains msg if {
	not any_job_deploys_verified_images
	msg := "no read-only job runs build/k8s/kind.sh after the job that runs make verify"
}

any_job_deploys_verified_images if {
	some [name, _, step] in run_steps
	contains(step.run, "build/k8s/kind.sh")
	some verifier in verify_jobs
	verifier in needs(jobs[name])
	not name in writers
}
