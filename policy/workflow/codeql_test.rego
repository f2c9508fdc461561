package workflow.codeql

import rego.v1

as_read := json.patch(canonical, [{"op": "move", "from": "/on", "path": "/true"}])

refused(patch, fragment) if {
	some msg in deny with input as json.patch(as_read, patch)
	contains(msg, fragment)
}

test_reviewed_form_passes if {
	count(deny) == 0 with input as as_read
}

test_pull_request_target if {
	refused([{"op": "move", "from": "/true/pull_request", "path": "/true/pull_request_target"}], "the workflow's triggers")
}

test_write_permissions if {
	refused([{"op": "replace", "path": "/jobs/analyze/permissions/contents", "value": "write"}], "job analyze: permissions")
	refused([{"op": "add", "path": "/jobs/analyze/permissions/id-token", "value": "write"}], "job analyze: permissions")
}

test_build_script if {
	refused([{"op": "replace", "path": "/jobs/analyze/steps/3/run", "value": "make"}], `runs "make"; the only script is`)
	refused([{"op": "replace", "path": "/jobs/analyze/steps/3/run", "value": "go build ./... # ${{ github.head_ref }}"}], "is an expression")
}

test_autobuild if {
	refused([{"op": "replace", "path": "/jobs/analyze/steps/2/with/build-mode", "value": "autobuild"}], `build-mode is "autobuild", want "manual"`)
}

test_unpinned if {
	refused([{"op": "replace", "path": "/jobs/analyze/steps/4/uses", "value": "github/codeql-action/analyze@v4"}], "is not an action at a reviewed commit")
}

test_queries_from_elsewhere if {
	refused([{"op": "add", "path": "/jobs/analyze/steps/2/with/packs", "value": "attacker/pack"}], "packs is not in the reviewed workflow")
}

test_matrix if {
	refused([{"op": "add", "path": "/jobs/analyze/strategy", "value": {"matrix": {"language": ["go", "actions"]}}}], "jobs.analyze.strategy is not in the reviewed workflow")
}
