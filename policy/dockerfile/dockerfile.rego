# Rules for Dockerfiles, checked by conftest:
#   conftest test --parser dockerfile -p policy/dockerfile Dockerfile
# The input is the list of instructions in file order, each
# {Cmd, Flags, JSON, Stage, SubCmd, Value}. Global ARGs (before the first
# FROM) carry Stage 0 like the first stage's, so scope is decided by
# position in the list, not by Stage.
#
# Every rule reads the file as BuildKit would, and anything it cannot
# resolve (a variable it cannot expand, a name it cannot bind) is denied:
# the policy fails closed.
package main

import rego.v1

instructions := [i | some i in input; i.Cmd != "comment"]

final_stage := max({i.Stage | some i in instructions})

# Position of the first FROM: ARGs before it are global, the only ones a
# FROM line can use.
first_from := min({n | some n, i in instructions; i.Cmd == "from"})

global_arg_values := [v | some n, i in instructions; n < first_from; i.Cmd == "arg"; some v in i.Value]

# The default of a global ARG, from its last declaration: a later
# "ARG NAME" without a default leaves it with none we can check.
global_default(name) := default_value if {
	decls := [v | some v in global_arg_values; arg_name(v) == name]
	last := decls[count(decls) - 1]
	[_, default_value] := split_once(last, "=")
}

arg_name(v) := split(v, "=")[0]

split_once(s, sep) := [substring(s, 0, n), substring(s, n + count(sep), -1)] if {
	n := indexof(s, sep)
	n >= 0
}

# BuildKit binds a name to a stage only from the stage's own FROM on: a
# FROM, COPY --from or --mount from in stage s can use the names of stages
# before s, never a later "AS x".
stage_named(name, s) if {
	some i in instructions
	i.Cmd == "from"
	i.Stage < s
	count(i.Value) == 3
	lower(i.Value[1]) == "as"
	lower(i.Value[2]) == lower(name)
}

# COPY --from and --mount from also take an earlier stage's index.
stage_index(ref, s) if {
	regex.match(`^[0-9]+$`, ref)
	to_number(ref) < s
}

# image_ref resolves an image reference: "$X" or "${X}" is the default of
# the global ARG X; a reference with no "$" is itself. Anything else (a
# variable in part of the name, ${X:-default}, a stage-local ARG) has no
# value here.
image_ref(ref) := global_default(var) if {
	var := regex.find_all_string_submatch_n(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`, ref, 1)[0][1]
} else := ref if {
	not contains(ref, "$")
}

pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

# Every place an image is named: FROM, COPY --from, RUN --mount from.
image_uses contains {"where": sprintf("FROM %s (stage %d)", [i.Value[0], i.Stage]), "ref": i.Value[0], "stage": i.Stage, "index_ok": false} if {
	some i in instructions
	i.Cmd == "from"
}

image_uses contains {"where": sprintf("COPY %s (stage %d)", [flag, i.Stage]), "ref": ref, "stage": i.Stage, "index_ok": true} if {
	some i in instructions
	i.Cmd in {"copy", "add"}
	some flag in i.Flags
	startswith(lower(flag), "--from=")
	ref := trim(substring(flag, count("--from="), -1), `"'`)
}

image_uses contains {"where": sprintf("RUN %s (stage %d)", [flag, i.Stage]), "ref": ref, "stage": i.Stage, "index_ok": true} if {
	some i in instructions
	i.Cmd == "run"
	some flag in i.Flags
	startswith(lower(flag), "--mount=")
	some option in split(substring(flag, count("--mount="), -1), ",")
	[key, value] := split_once(trim(option, `"'`), "=")
	lower(key) == "from"
	ref := value
}

names_a_stage(use) if stage_named(use.ref, use.stage)

names_a_stage(use) if {
	use.index_ok
	stage_index(use.ref, use.stage)
}

deny contains msg if {
	some use in image_uses
	not names_a_stage(use)
	lower(use.ref) != "scratch"
	image := image_ref(use.ref)
	not pinned(image)
	msg := sprintf("%s: image %q is not pinned by digest (name:tag@sha256:...)", [use.where, image])
}

deny contains msg if {
	some use in image_uses
	not names_a_stage(use)
	not image_ref(use.ref)
	msg := sprintf("%s: %q names no earlier stage and is not a global build arg with a default, so the image is not pinned", [use.where, use.ref])
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

final_user := final_users[count(final_users) - 1]

deny contains msg if {
	not regex.match(`^[0-9]+:[0-9]+$`, final_user)
	msg := sprintf("USER %s: use a numeric uid:gid, which Kubernetes' runAsNonRoot can check (without a gid the group is root's)", [final_user])
}

deny contains msg if {
	regex.match(`^0+(:|$)`, final_user)
	msg := sprintf("USER %s: the final stage runs as root", [final_user])
}

deny contains msg if {
	regex.match(`^[0-9]+:0+$`, final_user)
	msg := sprintf("USER %s: the final stage runs in the root group, which owns most of the image's files", [final_user])
}

# Remote sources: any URL scheme (http, https, git, ssh, ftp, ...) or an
# scp-like "user@host:path"; ADD fetches and unpacks them at build time.
remote(src) if regex.match(`^[A-Za-z][A-Za-z0-9+.-]*://`, src)

remote(src) if regex.match(`^[^/\s]+@[^/\s]+:`, src)

deny contains msg if {
	some i in instructions
	i.Cmd == "add"
	some n, src in i.Value
	n < count(i.Value) - 1 # the last value is the destination
	remote(src)
	msg := sprintf("ADD %s: fetches from the network unpinned; download with a checksum in a RUN step or COPY", [src])
}

# ONBUILD triggers run inside other people's builds, where none of these
# rules apply (and the parser does not show their flags).
deny contains msg if {
	some i in instructions
	i.Cmd == "onbuild"
	msg := sprintf("ONBUILD %s: triggers run unchecked in downstream builds", [i.SubCmd])
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

# A name is secret-looking when one of its words is a secret's word. Words
# come from splitting on punctuation and camelCase: API_KEY, apiKey and
# api.key all hold "KEY"; MONKEY and KEYBOARD do not.
secret_words := {
	"PAT", "PASS", "PASSWD", "PASSWORD", "PASSPHRASE", "PWD",
	"KEY", "APIKEY", "TOKEN", "SECRET", "SECRETS", "CREDENTIAL", "CREDENTIALS", "CREDS",
	"AUTH", "OAUTH", "PRIVATE", "DSN",
}

# Known safe names that contain a secret's word.
safe_names := {
	"SSH_AUTH_SOCK", # the path of the agent's socket (RUN --mount=type=ssh)
	"GPG_KEY", # a public key's fingerprint, as official images use it
	"ORG.OPENCONTAINERS.IMAGE.AUTHORS",
}

name_words(name) := {w | some w in regex.split(`[^A-Z0-9]+`, upper(regex.replace(name, `([a-z0-9])([A-Z])`, "${1}_${2}"))); w != ""}

secret_name(name) if {
	not upper(name) in safe_names
	some w in name_words(trim(name, `"'`))
	w in secret_words
}

# ENV and LABEL hold name, value, separator triples.
deny contains msg if {
	some i in instructions
	i.Cmd in {"env", "label"}
	some n, name in i.Value
	n % 3 == 0
	secret_name(name)
	msg := sprintf("%s %s: secrets in %s stay in the image; use RUN --mount=type=secret", [upper(i.Cmd), name, upper(i.Cmd)])
}

deny contains msg if {
	some i in instructions
	i.Cmd == "arg"
	some v in i.Value
	name := arg_name(v)
	secret_name(name)
	msg := sprintf("ARG %s: build args are recorded in the image history; use RUN --mount=type=secret", [name])
}
