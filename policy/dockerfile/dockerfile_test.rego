package main

import rego.v1

digest := "sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052"

instr(cmd, stage, value) := {"Cmd": cmd, "Flags": [], "JSON": false, "Stage": stage, "SubCmd": "", "Value": value}

good := [
	instr("arg", 0, [concat("", ["GO_IMAGE=golang:1.22-alpine@", digest])]),
	instr("from", 0, ["${GO_IMAGE}", "AS", "build"]),
	instr("from", 1, [concat("", ["alpine:3.22@", digest])]),
	instr("copy", 1, ["--from=build", "/app", "./"]),
	instr("user", 1, ["65532:65532"]),
	instr("healthcheck", 1, ["CMD", "./app", "healthcheck"]),
]

test_good_dockerfile_passes if {
	count(deny) == 0 with input as good
}

test_stage_name_is_not_an_image if {
	count(deny) == 0 with input as array.concat(good, [instr("from", 2, ["build"]), instr("user", 2, ["1:1"]), instr("healthcheck", 2, ["CMD", "x"])])
}

test_unpinned_from if {
	some msg in deny with input as array.concat([instr("from", 0, ["alpine:3.22"])], array.slice(good, 2, 6))
	contains(msg, "not pinned by digest")
}

test_unpinned_arg_default if {
	some msg in deny with input as array.concat([instr("arg", 0, ["GO_IMAGE=golang:1.22"])], array.slice(good, 1, 6))
	contains(msg, `"golang:1.22" is not pinned`)
}

test_arg_without_default if {
	some msg in deny with input as array.concat([instr("arg", 0, ["GO_IMAGE"])], array.slice(good, 1, 6))
	contains(msg, "has no default")
}

test_latest if {
	some msg in deny with input as array.concat(good, [instr("arg", 1, ["TOOL_IMAGE=busybox:latest"])])
	contains(msg, ":latest")
}

test_no_user if {
	deny["final stage: no USER, so the container runs as root"] with input as array.slice(good, 0, 4)
}

test_named_user if {
	some msg in deny with input as array.concat(array.slice(good, 0, 4), [instr("user", 1, ["nonroot"]), good[5]])
	contains(msg, "numeric")
}

test_root_user if {
	some msg in deny with input as array.concat(array.slice(good, 0, 4), [instr("user", 1, ["0:0"]), good[5]])
	contains(msg, "runs as root")
}

test_last_user_counts if {
	some msg in deny with input as array.concat(good, [instr("user", 1, ["0"])])
	contains(msg, "runs as root")
}

test_add_url if {
	some msg in deny with input as array.concat(good, [instr("add", 1, ["https://example.com/x.tgz", "/x"])])
	contains(msg, "ADD https://example.com/x.tgz")
}

test_add_local_is_fine if {
	count(deny) == 0 with input as array.concat(good, [instr("add", 1, ["local.tgz", "/x"])])
}

test_no_healthcheck if {
	deny["final stage: no HEALTHCHECK"] with input as array.slice(good, 0, 5)
}

test_healthcheck_none if {
	deny["final stage: no HEALTHCHECK"] with input as array.concat(array.slice(good, 0, 5), [instr("healthcheck", 1, ["NONE"])])
}

test_secret_env if {
	some msg in deny with input as array.concat(good, [instr("env", 1, ["PORT", "8088", "=", "DB_PASSWORD", "x", "="])])
	contains(msg, "ENV DB_PASSWORD")
}

test_secret_arg if {
	some msg in deny with input as array.concat(good, [instr("arg", 1, ["GITHUB_TOKEN"])])
	contains(msg, "ARG GITHUB_TOKEN")
}

test_env_values_are_not_names if {
	count(deny) == 0 with input as array.concat(good, [instr("env", 1, ["MODE", "token", "="])])
}
