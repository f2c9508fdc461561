package workflow.scorecard

import rego.v1

# As conftest reads scorecard.yml: the key `on` is the boolean true.
as_read := json.patch(canonical, [{"op": "move", "from": "/on", "path": "/true"}])

refused(patch, fragment) if {
	some msg in deny with input as json.patch(as_read, patch)
	contains(msg, fragment)
}

test_reviewed_form_passes if {
	count(deny) == 0 with input as as_read
	count(deny) == 0 with input as canonical
}

test_not_a_workflow if {
	some msg in deny with input as [canonical]
	contains(msg, "not one workflow")
}

test_write_permissions if {
	refused([{"op": "replace", "path": "/permissions", "value": "write-all"}], "the workflow's permissions write-all are not allowed")
	refused([{"op": "add", "path": "/jobs/analysis/permissions/contents", "value": "write"}], "job analysis: permissions")
	refused([{"op": "add", "path": "/jobs/analysis/permissions/actions", "value": "write"}], "job analysis: permissions")
}

test_pull_request_triggers if {
	every event in ["pull_request", "pull_request_target", "workflow_run", "workflow_dispatch"] {
		refused([{"op": "add", "path": concat("/", ["/true", event]), "value": null}], "the workflow's triggers")
	}
}

test_unpinned_or_other_actions if {
	every uses in ["ossf/scorecard-action@v2.4.4", "ossf/scorecard-action@main", "attacker/scorecard-action@2d1146689b8cda280b9bc96326124645441f03bc"] {
		refused([{"op": "replace", "path": "/jobs/analysis/steps/1/uses", "value": uses}], "is not an action at a reviewed commit")
	}
}

test_inputs_fixed if {
	refused([{"op": "add", "path": "/jobs/analysis/steps/1/with/repo_token", "value": "${{ secrets.PAT }}"}], "is an expression")
	refused([{"op": "replace", "path": "/jobs/analysis/steps/1/with/publish_results", "value": "true"}], `publish_results is "true", want true`)
	refused([{"op": "add", "path": "/jobs/analysis/steps/0/with/ref", "value": "refs/pull/1/head"}], "steps.0.with.ref is not in the reviewed workflow")
}

test_top_level_env_and_defaults if {
	refused([{"op": "add", "path": "/env", "value": {"X": "1"}}], "the workflow's env is not allowed")
	refused([{"op": "add", "path": "/defaults", "value": {"run": {"shell": "bash"}}}], "the workflow's defaults is not allowed")
}

test_run_step if {
	refused([{"op": "add", "path": "/jobs/analysis/steps/1", "value": {"run": "env"}}], "job analysis, step 2 runs a script")
}
