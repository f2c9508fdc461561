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
	contains(msg, "is not a global build arg with a default")
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

flagged(cmd, stage, flags, value) := object.union(instr(cmd, stage, value), {"Flags": flags})

pinned_alpine := concat("", ["alpine:3.22@", digest])

# good, with extra instructions late in its final stage.
final_with(extra) := array.concat(array.concat(array.slice(good, 0, 5), extra), [good[5]])

denied_with(input_value, want) if {
	some msg in deny with input as input_value
	contains(msg, want)
}

test_stage_name_bound_later_is_an_image if {
	denied_with(
		array.concat([instr("from", 0, ["build", "AS", "base"]), instr("from", 1, [pinned_alpine, "AS", "build"])], array.slice(good, 2, 6)),
		`FROM build (stage 0): image "build" is not pinned`,
	)
}

test_stage_names_are_case_insensitive if {
	count(deny) == 0 with input as array.concat(good, [instr("from", 2, ["BUILD"]), instr("user", 2, ["1:1"]), instr("healthcheck", 2, ["CMD", "x"])])
}

test_copy_from_unpinned_image if {
	denied_with(final_with([flagged("copy", 1, ["--from=busybox:1.36"], ["/bin/sh", "/sh"])]), `image "busybox:1.36" is not pinned`)
}

test_copy_from_pinned_image_is_fine if {
	count(deny) == 0 with input as final_with([flagged("copy", 1, [concat("", ["--from=", pinned_alpine])], ["/a", "/b"])])
}

test_copy_from_stage_index if {
	count(deny) == 0 with input as final_with([flagged("copy", 1, ["--from=0"], ["/a", "/b"])])
}

test_copy_from_later_stage_index_is_an_image if {
	denied_with(final_with([flagged("copy", 1, ["--from=1"], ["/a", "/b"])]), `image "1" is not pinned`)
}

test_copy_from_variable if {
	denied_with(final_with([flagged("copy", 1, ["--from=${TOOLS}"], ["/a", "/b"])]), `"${TOOLS}" names no earlier stage`)
}

test_run_mount_from_image if {
	denied_with(final_with([flagged("run", 1, ["--mount=type=cache,target=/c", "--mount=type=bind,target=/t,FROM=busybox"], ["true"])]), `image "busybox" is not pinned`)
}

test_run_mount_from_stage_is_fine if {
	count(deny) == 0 with input as final_with([flagged("run", 1, ["--mount=type=bind,from=build,target=/t"], ["true"])])
}

test_stage_local_arg_does_not_feed_from if {
	denied_with(
		array.concat(array.slice(good, 0, 2), [
			instr("arg", 0, [concat("", ["RUNTIME=", pinned_alpine])]),
			instr("from", 1, ["${RUNTIME}"]),
			good[4], good[5],
		]),
		`"${RUNTIME}" names no earlier stage and is not a global build arg`,
	)
}

test_global_arg_redeclared_without_default if {
	denied_with(array.concat([good[0], instr("arg", 0, ["GO_IMAGE"])], array.slice(good, 1, 6)), `"${GO_IMAGE}" names no earlier stage`)
}

test_global_arg_last_default_counts if {
	denied_with(array.concat([good[0], instr("arg", 0, ["GO_IMAGE=golang:1.22"])], array.slice(good, 1, 6)), `"golang:1.22" is not pinned`)
}

test_variable_in_part_of_the_name if {
	denied_with(array.concat([instr("arg", 0, ["REG=docker.io"]), instr("from", 0, [concat("", ["${REG}/alpine@", digest])])], array.slice(good, 3, 6)), "names no earlier stage")
}

test_user_without_group if {
	denied_with(final_with([instr("user", 1, ["65532"])]), "use a numeric uid:gid")
}

test_root_group if {
	denied_with(final_with([instr("user", 1, ["65532:0"])]), "runs in the root group")
}

test_root_group_padded if {
	denied_with(final_with([instr("user", 1, ["65532:000"])]), "runs in the root group")
}

test_add_remote_schemes if {
	every src in ["http://x/a.tgz", "HTTPS://x/a", "git://github.com/a/b", "ssh://git@github.com/a/b", "ftp://x/a", "s3://bucket/a", "git@github.com:a/b.git"] {
		denied_with(array.concat(good, [instr("add", 1, [src, "/x"])]), "fetches from the network")
	}
}

test_add_checksum_is_still_remote if {
	denied_with(array.concat(good, [flagged("add", 1, ["--checksum=sha256:abc"], ["https://x/a.tgz", "/x"])]), "fetches from the network")
}

test_add_destination_is_not_a_source if {
	count(deny) == 0 with input as array.concat(good, [instr("add", 1, ["local.tgz", "user@host:dir"])])
}

test_onbuild if {
	denied_with(array.concat(good, [object.union(instr("onbuild", 1, ["/a", "/b"]), {"SubCmd": "COPY"})]), "ONBUILD COPY")
}

test_secret_names if {
	every name in ["GITHUB_PAT", "DB_PASS", "DB_PASSWD", "API_KEY", "apiKey", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY", "GOOGLE_CREDENTIALS", "AUTH_HEADER", "PRIVATE_KEY_FILE", "db.password", "SENTRY_DSN"] {
		denied_with(array.concat(good, [instr("arg", 1, [concat("", [name, "=x"])])]), concat(" ", ["ARG", name]))
	}
}

test_secret_label if {
	denied_with(array.concat(good, [instr("label", 1, ["org.opencontainers.image.title", "app", "=", "deploy.apiKey", "x", "="])]), "LABEL deploy.apiKey")
}

test_safe_names if {
	every name in ["SSH_AUTH_SOCK", "GPG_KEY", "KEYBOARD", "MONKEY", "PATH", "AUTHOR", "BYPASS_CACHE", "TARGETOS"] {
		count(deny) == 0 with input as array.concat(good, [instr("env", 1, [name, "x", "="])])
	}
	count(deny) == 0 with input as array.concat(good, [instr("label", 1, ["org.opencontainers.image.authors", "us", "="])])
}
