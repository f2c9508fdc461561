# .github/workflows/codeql.yml, exactly as reviewed:
#   conftest test -p policy/workflow --namespace workflow.codeql FILE
# (build/workflow-policy.sh picks the namespace by the file's name).
#
# Why each part is what it is:
#   - triggers: every pull request (Scorecard's SAST check counts merged
#     pull requests whose head had a code-scanning check run), pushes to
#     main, and weekly. pull_request, never pull_request_target: a fork's
#     pull request gets a read-only token and no secrets;
#   - permissions: read-only at the top; the job adds security-events:
#     write for the upload, the one write a pull_request job holds, and the
#     job runs nothing of the repository but the Go compiler;
#   - steps: checkout (no credentials kept), setup-go at the module's Go
#     floor, CodeQL init (Go, build mode manual, the security-extended
#     queries), `CGO_ENABLED=0 go build ./...` word for word (the
#     autobuilder would run the repository's make, ./build or ./build.sh),
#     analyze; each action at a reviewed commit, inputs fixed (no
#     config-file or packs from elsewhere);
#   - no expression anywhere, no env.
package workflow.codeql

import rego.v1

import data.workflow.reviewed

build_script := "CGO_ENABLED=0 go build ./..."

canonical := {
	"name": "codeql",
	"on": {"pull_request": null, "push": {"branches": ["main"]}, "schedule": [{"cron": "17 3 * * 1"}]},
	"permissions": {"contents": "read"},
	"jobs": {"analyze": {
		"runs-on": "ubuntu-24.04",
		"permissions": {"contents": "read", "security-events": "write"},
		"steps": [
			{"uses": reviewed.pin("actions/checkout"), "with": {"persist-credentials": false}},
			{"uses": reviewed.pin("actions/setup-go"), "with": {"go-version": "1.26.8", "cache": false}},
			{"uses": reviewed.pin("github/codeql-action/init"), "with": {
				"languages": "go",
				"build-mode": "manual",
				"queries": "security-extended",
			}},
			{"name": "Build every package, as CodeQL traces it", "run": build_script},
			{"uses": reviewed.pin("github/codeql-action/analyze"), "with": {"category": "/language:go"}},
		],
	}},
}

doc := reviewed.normalized(input)

deny contains msg if {
	some msg in reviewed.common_denials(doc, canonical, "codeql.yml")
}

deny contains msg if {
	is_object(doc)
	some job_name, job in object.get(doc, "jobs", {})
	some i, step in object.get(job, "steps", [])
	"run" in object.keys(step)
	step.run != build_script
	msg := sprintf("job %s, step %d runs %q; the only script is %q, in a job that holds a write token for pull requests", [job_name, i + 1, step.run, build_script])
}

deny contains msg if {
	some difference in reviewed.differences(doc, canonical)
	msg := sprintf("codeql.yml differs from its reviewed form (policy/workflow/codeql.rego): %s", [difference])
}
