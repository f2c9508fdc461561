# .github/workflows/scorecard.yml, exactly as reviewed:
#   conftest test -p policy/workflow --namespace workflow.scorecard FILE
# (build/workflow-policy.sh picks the namespace by the file's name).
#
# Why each part is what it is:
#   - triggers: a push to main and a weekly schedule. No pull_request:
#     Scorecard reads the default branch, and nothing here should run a pull
#     request's code with these permissions;
#   - permissions: read-only at the top (scorecard-action's results API
#     refuses a workflow with top-level write permissions, env or defaults:
#     its README, "Workflow Restrictions"), and in the one job
#     security-events: write for the SARIF upload and id-token: write for
#     publish_results, the API's check of this workflow;
#   - steps: only checkout (no credentials kept), scorecard-action and
#     codeql-action/upload-sarif, each at a reviewed commit, with fixed
#     inputs (a repo_token would hand it a secret; the API refuses other
#     steps);
#   - no expression anywhere, no env, no run step.
package workflow.scorecard

import rego.v1

import data.workflow.reviewed

canonical := {
	"name": "scorecard",
	"on": {"push": {"branches": ["main"]}, "schedule": [{"cron": "30 1 * * 6"}]},
	"permissions": {"contents": "read"},
	"jobs": {"analysis": {
		"runs-on": "ubuntu-24.04",
		"permissions": {"contents": "read", "security-events": "write", "id-token": "write"},
		"steps": [
			{"uses": reviewed.pin("actions/checkout"), "with": {"persist-credentials": false}},
			{"uses": reviewed.pin("ossf/scorecard-action"), "with": {
				"results_file": "results.sarif",
				"results_format": "sarif",
				"publish_results": true,
			}},
			{"uses": reviewed.pin("github/codeql-action/upload-sarif"), "with": {"sarif_file": "results.sarif"}},
		],
	}},
}

doc := reviewed.normalized(input)

deny contains msg if {
	some msg in reviewed.common_denials(doc, canonical, "scorecard.yml")
}

deny contains msg if {
	is_object(doc)
	some key in ({"env", "defaults"} & object.keys(doc))
	msg := sprintf("the workflow's %s is not allowed: scorecard-action's results API refuses a workflow with top-level env or defaults", [key])
}

deny contains msg if {
	is_object(doc)
	some job_name, job in object.get(doc, "jobs", {})
	some i, step in object.get(job, "steps", [])
	"run" in object.keys(step)
	msg := sprintf("job %s, step %d runs a script; the scorecard job holds an OIDC token and runs only checkout, scorecard-action and upload-sarif", [job_name, i + 1])
}

deny contains msg if {
	some difference in reviewed.differences(doc, canonical)
	msg := sprintf("scorecard.yml differs from its reviewed form (policy/workflow/scorecard.rego): %s", [difference])
}
