# Shared by the policies of the workflows that are held to one reviewed
# form (scorecard.rego, codeql.rego): the actions they may use, at their
# commits, and the comparison of a workflow with its reviewed form.
#
# These workflows have one job each and nothing to vary, so the allowlist
# is the whole document: any trigger, permission, step, input, expression or
# key that the reviewed form lacks is refused, naming where it is; a missing
# one too. ci.yml's own policy (workflow.rego) shares its action commits
# through data.main.actions.
package workflow.reviewed

import rego.v1

# The actions these workflows use beyond ci.yml's, each at the one commit
# the workflow names; checkout and setup-go come from ci.yml's allowlist.
# The SHAs are the tags' commits in each action's repository:
# ossf/scorecard-action v2.4.4 (also what ossf/scorecard's own
# scorecard-analysis.yml runs) and github/codeql-action v4.36.2, whose
# init, analyze and upload-sarif are one commit. A bump edits the workflow
# and this table together.
pins := {
	"actions/checkout": data.main.actions["actions/checkout"],
	"actions/setup-go": data.main.actions["actions/setup-go"],
	"ossf/scorecard-action": {"sha": "2d1146689b8cda280b9bc96326124645441f03bc", "version": "v2.4.4"},
	"github/codeql-action/upload-sarif": {"sha": "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "version": "v4.36.2"},
	"github/codeql-action/init": {"sha": "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "version": "v4.36.2"},
	"github/codeql-action/analyze": {"sha": "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "version": "v4.36.2"},
}

pin(name) := concat("@", [name, pins[name].sha])

# The workflow as GitHub reads it: conftest's YAML 1.1 reader makes the key
# `on` the boolean true.
normalized(doc) := json.patch(doc, [{"op": "move", "from": "/true", "path": "/on"}]) if {
	is_object(doc)
	"true" in object.keys(doc)
	not "on" in object.keys(doc)
} else := doc

nodes(doc) := {path: node | walk(doc, [path, node])}

container(x) if is_object(x)

container(x) if is_array(x)

parent(path) := array.slice(path, 0, count(path) - 1)

field([]) := "the workflow"

field(path) := concat(".", [sprintf("%v", [p]) | some p in path]) if count(path) > 0

# Each place where got and want part, once: a key or item want lacks, one
# it has and got lacks, a value or a shape that differs.
differences(got, want) := (({msg |
	g := nodes(got)
	w := nodes(want)
	some path, node in g
	not path in object.keys(w)
	count(path) > 0
	container(w[parent(path)])
	type_name(w[parent(path)]) == type_name(g[parent(path)])
	msg := sprintf("%s is not in the reviewed workflow (it holds %s)", [field(path), json.marshal(node)])
} | {msg |
	g := nodes(got)
	w := nodes(want)
	some path, node in w
	not path in object.keys(g)
	count(path) > 0
	parent(path) in object.keys(g)
	type_name(w[parent(path)]) == type_name(g[parent(path)])
	msg := sprintf("%s is missing, want %s", [field(path), json.marshal(node)])
}) | {msg |
	g := nodes(got)
	some path, node in nodes(want)
	not container(node)
	path in object.keys(g)
	g[path] != node
	msg := sprintf("%s is %s, want %s", [field(path), json.marshal(g[path]), json.marshal(node)])
}) | {msg |
	g := nodes(got)
	some path, node in nodes(want)
	container(node)
	path in object.keys(g)
	type_name(g[path]) != type_name(node)
	msg := sprintf("%s is %s, want %s", [field(path), json.marshal(g[path]), json.marshal(node)])
}

# The rules both workflows share, with messages that say why.
common_denials(doc, canonical, name) := (((({msg |
	not is_object(doc)
	msg := "the input is not one workflow (a single YAML mapping)"
} | {msg |
	is_object(doc)
	object.get(doc, "permissions", null) != canonical.permissions
	msg := sprintf("the workflow's permissions %v are not allowed; exactly %v (read-only by default; each job names what it writes)", [object.get(doc, "permissions", null), canonical.permissions])
}) | {msg |
	is_object(doc)
	object.get(doc, "on", null) != canonical.on
	msg := sprintf("the workflow's triggers %v are not allowed; exactly %v", [object.get(doc, "on", null), canonical.on])
}) | {msg |
	is_object(doc)
	some job_name, job in object.get(doc, "jobs", {})
	want := object.get(canonical.jobs, [job_name, "permissions"], "(no such job)")
	object.get(job, "permissions", null) != want
	msg := sprintf("job %s: permissions %v are not allowed; exactly %v", [job_name, object.get(job, "permissions", null), want])
}) | {msg |
	is_object(doc)
	some [path, value] in uses(doc)
	not pinned(value)
	msg := sprintf("%s: %v is not an action at a reviewed commit; allowed: %s", [field(path), value, concat(", ", sort([sprintf("%s@%s (%s)", [a, p.sha, p.version]) | some a, p in pins]))])
}) | {msg |
	is_object(doc)
	walk(doc, [path, value])
	is_string(value)
	contains(value, "${{")
	msg := sprintf("%s: %v is an expression; %s runs none", [field(path), value, name])
}

uses(doc) := {[path, value] |
	walk(doc, [path, value])
	count(path) > 0
	path[count(path) - 1] == "uses"
}

pinned(uses) if {
	is_string(uses)
	some a, p in pins
	uses == concat("@", [a, p.sha])
}
