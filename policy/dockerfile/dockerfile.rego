# Rules for Dockerfiles, checked by conftest:
#   conftest test --parser dockerfile -p policy/dockerfile Dockerfile
# The input is the list of instructions, each {Cmd, Flags, JSON, Stage, SubCmd, Value}.
package main

import rego.v1

instructions := [i | some i in input; i.Cmd != "comment"]

final_stage := max({i.Stage | some i in instructions})

# ARG defaults, by name ("ARG NAME=default"), from every stage.
arg_defaults[name] := default_value if {
	some i in instructions
	i.Cmd == "arg"
	some v in i.Value
	[name, default_value] := split_once(v, "=")
}

split_once(s, sep) := [substring(s, 0, n), substring(s, n + count(sep), -1)] if {
	n := indexof(s, sep)
	n >= 0
}

stage_names contains lower(i.Value[2]) if {
	some i in instructions
	i.Cmd == "from"
	count(i.Value) == 3
	lower(i.Value[1]) == "as"
}

# The image a FROM names, with a ${VAR} or $VAR reference resolved to its ARG default.
from_image(i) := arg_defaults[var] if {
	var := trim_suffix(trim_prefix(trim_prefix(i.Value[0], "$"), "{"), "}")
	startswith(i.Value[0], "$")
} else := i.Value[0]

pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

deny contains msg if {
	some i in instructions
	i.Cmd == "from"
	image := from_image(i)
	not lower(image) in stage_names
	lower(image) != "scratch"
	not startswith(image, "$")
	not pinned(image)
	msg := sprintf("FROM %s (stage %d): base image %q is not pinned by digest (name:tag@sha256:...)", [i.Value[0], i.Stage, image])
}

deny contains msg if {
	some i in instructions
	i.Cmd == "from"
	startswith(i.Value[0], "$")
	from_image(i) == i.Value[0]
	msg := sprintf("FROM %s (stage %d): the build arg has no default, so the base image is not pinned", [i.Value[0], i.Stage])
}

deny contains msg if {
	some i in instructions
	i.Cmd in {"from", "arg"}
	some v in i.Value
	regex.match(`:latest(@|$)`, v)
	msg := sprintf("%s %s: the :latest tag is not a version", [upper(i.Cmd), v])
}

final_users := [i.Value[0] | some i in instructions; i.Cmd == "user"; i.Stage == final_stage]

deny contains "final stage: no USER, so the container runs as root" if {
	count(final_users) == 0
}

deny contains msg if {
	user := final_users[count(final_users) - 1]
	not regex.match(`^[0-9]+(:[0-9]+)?$`, user)
	msg := sprintf("USER %s: use a numeric uid:gid, which Kubernetes' runAsNonRoot can check", [user])
}

deny contains msg if {
	user := final_users[count(final_users) - 1]
	regex.match(`^0+(:|$)`, user)
	msg := sprintf("USER %s: the final stage runs as root", [user])
}

deny contains msg if {
	some i in instructions
	i.Cmd == "add"
	some v in i.Value
	regex.match(`^(https?|ftp)://|^git@`, v)
	msg := sprintf("ADD %s: fetches from the network unpinned; download with a checksum in a RUN step or COPY", [v])
}

deny contains "final stage: no HEALTHCHECK" if {
	not final_healthcheck
}

final_healthcheck if {
	some i in instructions
	i.Cmd == "healthcheck"
	i.Stage == final_stage
	upper(i.Value[0]) != "NONE"
}

secret_name(name) if regex.match(`(?i)(secret|passw(or)?d|token|api_?key|private_?key|credential|access_?key)`, name)

# ENV holds name, value, "=" triples.
deny contains msg if {
	some i in instructions
	i.Cmd == "env"
	some n, name in i.Value
	n % 3 == 0
	secret_name(name)
	msg := sprintf("ENV %s: secrets in ENV stay in the image; use RUN --mount=type=secret", [name])
}

deny contains msg if {
	some i in instructions
	i.Cmd == "arg"
	some v in i.Value
	name := split(v, "=")[0]
	secret_name(name)
	msg := sprintf("ARG %s: build args are recorded in the image history; use RUN --mount=type=secret", [name])
}
