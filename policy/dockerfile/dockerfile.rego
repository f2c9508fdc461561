# The Dockerfile policy is an allowlist: what is not allowed here is denied,
# and so is anything the policy cannot resolve (a variable it cannot expand,
# a name it cannot bind, a path it cannot follow): it fails closed.
#
# Allowed, and nothing else:
# - instructions FROM, ARG, ENV, WORKDIR, COPY, RUN (not in the final
#   stage), LABEL, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD; before the
#   first FROM, only ARG;
# - FROM an image pinned by digest (directly, or as a global ARG's
#   default), an earlier stage's name, or scratch; FROM --platform as
#   BuildKit supplies it or a literal platform;
# - COPY --from an earlier stage's name; --chown numeric; --chmod octal
#   without setuid, setgid or sticky bits; --link; no here-documents;
# - RUN --mount=type=cache (target, id, sharing) and --network=none; its
#   script only commands of a closed grammar joined by && (go mod
#   download/verify, go build -o, mkdir -p, ln -s); no here-documents;
# - in the final stage, COPY from the build context before any COPY --from
#   (a later one could write through a symlink a stage brought);
# - in the final stage: a numeric, non-root USER uid:gid, an exec-form
#   ENTRYPOINT and a last HEALTHCHECK CMD in exec form that run a file the
#   stage copies from an earlier stage, by path, which that stage compiled
#   with go build -o (never a shell, an interpreter, a loader, a wrapper
#   that runs its argument or a privilege changer);
# - ENTRYPOINT, CMD and HEALTHCHECK CMD in exec form everywhere;
# - ARG, ENV and LABEL names that are literal identifiers (LABEL: with . and
#   -), as BuildKit reads them unexpanded, and do not look like secrets,
#   loader variables (LD_*), BuildKit settings (BUILDKIT_*) or Go checksum
#   database settings;
# - parser directives (directives.rego): none, "syntax" naming
#   docker/dockerfile pinned by digest, and "check".
#
# The instructions come from conftest's Dockerfile parser (directives.rego
# says how): in file order, each {Cmd, Flags, JSON, Stage, SubCmd, Value}.
# Global ARGs (before the first FROM) carry Stage 0 like the first stage's,
# so scope is decided by position in the list, not by Stage.
package main

import rego.v1

# The parser gives null, not [], for no flags or an empty JSON list
# (ENTRYPOINT []); every rule below reads lists.
instructions := [{"Cmd": i.Cmd, "Flags": list(i.Flags), "JSON": i.JSON, "Stage": i.Stage, "SubCmd": i.SubCmd, "Value": list(i.Value)} |
	some i in parsed
	i.Cmd != "comment"
]

list(value) := value if is_array(value)

else := []

flags(i) := i.Flags

final_stage := max({i.Stage | some i in instructions})

first_from := min({n | some n, i in instructions; i.Cmd == "from"})

deny contains "the Dockerfile has no FROM" if {
	parses
	not first_from
}

stage_names[i.Stage] := lower(i.Value[2]) if {
	some i in instructions
	i.Cmd == "from"
	count(i.Value) == 3
	lower(i.Value[1]) == "as"
}

stage_label(s) := sprintf("%q", [stage_names[s]]) if stage_names[s]

else := sprintf("%d", [s])

where(n) := "before the first FROM" if n < first_from

else := sprintf("stage %s, final", [stage_label(instructions[n].Stage)]) if instructions[n].Stage == final_stage

else := sprintf("stage %s", [stage_label(instructions[n].Stage)])

# ONBUILD's SubCmd is the instruction it defers (the parser shows none of
# that instruction's flags).
shown(i) := concat(" ", array.concat([upper(i.Cmd)], array.concat([upper(sub) | some sub in [i.SubCmd]; sub != ""], array.concat(flags(i), i.Value))))

# Instructions

allowed_instructions := {"from", "arg", "env", "workdir", "copy", "run", "label", "user", "expose", "healthcheck", "entrypoint", "cmd"}

allowed_instructions_text := concat(", ", sort([upper(c) | some c in allowed_instructions]))

# Why the other instructions BuildKit knows are left out.
left_out := {
	"add": "ADD also fetches URLs and git repositories and unpacks archives, keeping whatever setuid files they hold; use COPY for local files",
	"onbuild": "ONBUILD triggers run unchecked in downstream builds",
	"shell": "SHELL changes what every later shell-form instruction runs",
	"volume": "VOLUME is not needed (the service writes no files); a deployment mounts what it needs",
	"stopsignal": "STOPSIGNAL is not needed: the service stops on SIGTERM, the default",
	"maintainer": "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors",
}

deny contains msg if {
	some n, i in instructions
	not i.Cmd in allowed_instructions
	why := object.get(left_out, i.Cmd, "it is not an instruction this build needs")
	msg := sprintf("%s (%s): not allowed: %s; allowed instructions: %s", [shown(i), where(n), why, allowed_instructions_text])
}

deny contains msg if {
	some n, i in instructions
	n < first_from
	i.Cmd != "arg"
	msg := sprintf("%s (%s): only ARG may come before the first FROM", [shown(i), where(n)])
}

# Flags

allowed_flags := {
	"from": {"platform"},
	"copy": {"from", "chown", "chmod", "link"},
	"run": {"mount", "network"},
	"healthcheck": {"interval", "timeout", "start-period", "start-interval", "retries"},
}

allowed_flags_text(cmd) := concat(", ", sort([concat("", ["--", f]) | some f in allowed_flags[cmd]])) if allowed_flags[cmd]

else := "none"

# A flag is --name or --name=value; BuildKit matches names exactly. Any
# other word gets no name, which no instruction allows.
flag_parts(flag) := {"name": substring(flag, 2, -1), "value": ""} if {
	startswith(flag, "--")
	not contains(flag, "=")
} else := {"name": substring(flag, 2, n - 2), "value": substring(flag, n + 1, -1)} if {
	startswith(flag, "--")
	n := indexof(flag, "=")
	n > 2
} else := {"name": "", "value": flag}

instruction_flags contains [n, flag, flag_parts(flag)] if {
	some n, i in instructions
	i.Cmd in allowed_instructions
	some flag in flags(i)
}

deny contains msg if {
	some [n, flag, parts] in instruction_flags
	cmd := instructions[n].Cmd
	not parts.name in object.get(allowed_flags, cmd, set())
	msg := sprintf("%s %s (%s): not an allowed flag on %s; allowed: %s", [upper(cmd), flag, where(n), upper(cmd), allowed_flags_text(cmd)])
}

# [n, flag, what is allowed instead]: an allowed flag can still carry a
# value that is not.
flag_problems contains [n, flag, "allowed: --platform=$BUILDPLATFORM or $TARGETPLATFORM (as BuildKit supplies them) or a literal os/arch"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "from"
	parts.name == "platform"
	not regex.match(`^(\$(BUILDPLATFORM|TARGETPLATFORM)|\$\{(BUILDPLATFORM|TARGETPLATFORM)\}|[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?)$`, parts.value)
}

flag_problems contains [n, flag, "--from names no earlier stage; allowed: the name of an earlier stage (FROM ... AS name), never a stage number or an image (name a pinned image in a FROM of its own)"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "copy"
	parts.name == "from"
	not stage_named(parts.value, instructions[n].Stage)
}

flag_problems contains [n, flag, "allowed: a numeric --chown=uid or uid:gid"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "copy"
	parts.name == "chown"
	not regex.match(`^[0-9]+(:[0-9]+)?$`, parts.value)
}

flag_problems contains [n, flag, "allowed: an octal --chmod such as 0755 or 644, without the setuid (4000), setgid (2000) or sticky (1000) bit: a setuid or setgid file runs as its owner or group, whoever starts it"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "copy"
	parts.name == "chmod"
	not regex.match(`^0?[0-7]{3}$`, parts.value)
}

flag_problems contains [n, flag, "allowed: --network=none; leave the flag out for the default network (host gives the step the build machine's network)"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "run"
	parts.name == "network"
	parts.value != "none"
}

flag_problems contains [n, flag, "allowed: a literal duration (30s) or count"] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "healthcheck"
	not regex.match(`^[0-9][0-9a-z.]*$`, parts.value)
}

# RUN --mount: cache mounts only, which keep Go's module and build caches
# between builds. BuildKit reads the value as CSV and expands variables in
# it, so quotes and "$" are refused rather than interpreted.
mount_keys := {"type", "target", "dst", "destination", "id", "sharing"}

mount_flags contains [n, flag, parts.value] if {
	some [n, flag, parts] in instruction_flags
	instructions[n].Cmd == "run"
	parts.name == "mount"
}

flag_problems contains [n, flag, "--mount takes no variables or quotes; allowed: --mount=type=cache,target=<path>[,id=<id>][,sharing=shared|private|locked]"] if {
	some [n, flag, spec] in mount_flags
	regex.match(`[$"']`, spec)
}

flag_problems contains [n, flag, reason] if {
	some [n, flag, spec] in mount_flags
	some field in split(spec, ",")
	key := lower(split(field, "=")[0])
	not key in mount_keys
	reason := sprintf("%q is not an allowed --mount key (from and source would read another stage or an image); allowed: type=cache, target (or dst, destination), id, sharing", [key])
}

flag_problems contains [n, flag, "allowed: exactly one type=cache (a mount with no type is a bind mount; bind, secret, ssh and tmpfs mounts are not needed)"] if {
	some [n, flag, spec] in mount_flags
	types := [lower(v) | some field in split(spec, ","); [k, v] := split_once(field, "="); lower(k) == "type"]
	types != ["cache"]
}

deny contains msg if {
	some [n, flag, reason] in flag_problems
	msg := sprintf("%s %s (%s): %s", [upper(instructions[n].Cmd), flag, where(n), reason])
}

split_once(s, sep) := [substring(s, 0, n), substring(s, n + count(sep), -1)] if {
	n := indexof(s, sep)
	n >= 0
}

# FROM: images pinned by digest

# BuildKit binds a name to a stage only from the stage's own FROM on: a
# FROM or COPY --from in stage s can use the names of stages before s,
# never a later "AS x". COPY --from also takes a stage's index, and a
# --mount from a name it cannot bind is an image: neither is allowed.
stage_named(name, s) if {
	some t, stage_name in stage_names
	t < s
	stage_name == lower(name)
}

global_arg_values := [v | some n, i in instructions; n < first_from; i.Cmd == "arg"; some v in i.Value]

# The default of a global ARG, from its last declaration: a later
# "ARG NAME" without a default leaves it with none we can check.
global_default(name) := trim(default_value, `"'`) if {
	decls := [v | some v in global_arg_values; arg_name(v) == name]
	last := decls[count(decls) - 1]
	[_, default_value] := split_once(last, "=")
}

arg_name(v) := split(v, "=")[0]

# image_ref resolves an image reference: "$X" or "${X}" is the default of
# the global ARG X; a reference with no "$" is itself. Anything else (a
# variable in part of the name, ${X:-default}, a stage-local ARG) has no
# value here. A --build-arg can still replace a default: the build command
# is checked where it is written (policy/workflow), and the base image's
# digest is in the signed provenance.
image_ref(ref) := global_default(var) if {
	var := regex.find_all_string_submatch_n(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`, ref, 1)[0][1]
} else := ref if {
	not contains(ref, "$")
}

pinned(image) if regex.match(`^[A-Za-z0-9][A-Za-z0-9._/:-]*@sha256:[a-f0-9]{64}$`, image)

from_images contains [n, i.Value[0]] if {
	some n, i in instructions
	i.Cmd == "from"
	not stage_named(i.Value[0], i.Stage)
	lower(i.Value[0]) != "scratch"
}

deny contains msg if {
	some [n, ref] in from_images
	image := image_ref(ref)
	not pinned(image)
	msg := sprintf("FROM %s (%s): image %q is not pinned by digest; allowed: name:tag@sha256:<64 hex>, a global ARG whose default is one, an earlier stage's name, or scratch", [ref, where(n), image])
}

deny contains msg if {
	some [n, ref] in from_images
	not image_ref(ref)
	msg := sprintf("FROM %s (%s): %q names no earlier stage and is not a global build arg with a default, so the image is not pinned; allowed: name:tag@sha256:<64 hex>, a global ARG whose default is one, an earlier stage's name, or scratch", [ref, where(n), ref])
}

deny contains msg if {
	some n, i in instructions
	i.Cmd in {"from", "arg"}
	some v in i.Value
	regex.match(`:latest(@|$)`, v)
	msg := sprintf("%s %s (%s): the :latest tag is not a version", [upper(i.Cmd), v, where(n)])
}

# RUN

deny contains msg if {
	some n, i in instructions
	i.Cmd == "run"
	i.Stage == final_stage
	msg := sprintf("RUN (%s): the final stage does not RUN: a command there changes the shipped image, as root; allowed: RUN in an earlier stage, and COPY --from that stage", [where(n)])
}

# A RUN is a shell script, and what it does (a mode set through an escape,
# an arithmetic expansion, a name put together from quotes) is more than
# any check of its text can see. So RUN is allowed only as commands of a
# closed grammar, joined by &&: fetch the modules, compile the program,
# make a directory, link a path. Anything else a build needs is a policy
# change, reviewed like one.
run_command_forms := {
	"go mod download or go mod verify": `^go +mod +(download|verify)$`,
	"[CGO_ENABLED=0|1] [GOOS=..] [GOARCH=..] go build [-trimpath] [-ldflags \"...\"] [-tags t] -o PATH [PACKAGE]": `^((CGO_ENABLED=[01]|GOOS=(\$TARGETOS|\$\{TARGETOS\}|[a-z0-9]+)|GOARCH=(\$TARGETARCH|\$\{TARGETARCH\}|[a-z0-9]+)) +)*go +build( +(-trimpath|-ldflags +"[-A-Za-z0-9 =._/]*(\$\{VERSION\}[-A-Za-z0-9 =._/]*)?"|-tags +[A-Za-z0-9,_]+|-o +[A-Za-z0-9._/-]+))+( +\.?[A-Za-z0-9._/-]*)?$`,
	"mkdir -p /DIR...": `^mkdir +-p( +/[A-Za-z0-9._/-]+)+$`,
	"ln -s /TARGET /LINK": `^ln +-s +/[A-Za-z0-9._/-]+ +/[A-Za-z0-9._/-]+$`,
}

run_forms_text := concat("; ", sort([form | some form, _ in run_command_forms]))

run_command_allowed(command) if {
	some pattern in run_command_forms
	regex.match(pattern, command)
}

deny contains msg if {
	some n, i in instructions
	i.Cmd == "run"
	some script in i.Value
	some command in split(script, "&&")
	not run_command_allowed(trim_space(command))
	msg := sprintf("RUN %s (%s): %q is not a command this policy allows; allowed, joined by &&: %s", [excerpt(script), where(n), trim_space(command), run_forms_text])
}

# A here-document's body is not in the parser's output, so this policy
# cannot see what it runs or writes.
deny contains msg if {
	some n, i in instructions
	i.Cmd in {"run", "copy"}
	some v in i.Value
	contains(v, "<<")
	msg := sprintf("%s %s (%s): a here-document's body is hidden from this policy; allowed: the commands on the RUN line itself, files from the build context", [upper(i.Cmd), excerpt(v), where(n)])
}

excerpt(s) := concat("", [substring(s, 0, 60), "..."]) if count(s) > 60

else := s

# The commands of a RUN, split where the shell would start another, then
# into words. Only what is written out shows: a mode computed at run time,
# or set by another program, does not; deploy/ keeps privilege escalation off
# at run time (allowPrivilegeEscalation: false) for the rest.
run_commands contains [n, words] if {
	some n, i in instructions
	i.Cmd == "run"
	some command in regex.split(`[;&|()\n]+`, concat(" ", i.Value))
	words := [w | some w in regex.split(`[\s'"]+`, command); w != ""]
}

special_mode(w) if regex.match(`^0*[1-7][0-7]{3}$`, w)

special_mode(w) if {
	some part in split(w, ",")
	regex.match(`^[ugoa]*([-+=][rwxXst]*)+$`, part)
	regex.match(`[+=][rwxX]*[st]`, part)
}

deny contains msg if {
	some [n, words] in run_commands
	some k, w in words
	basename(w) == "chmod"
	some later in array.slice(words, k + 1, count(words))
	special_mode(later)
	msg := sprintf("RUN chmod %s (%s): sets a setuid, setgid or sticky bit; a setuid or setgid file runs as its owner or group, whoever starts it; allowed: modes without them", [later, where(n)])
}

deny contains msg if {
	some [n, words] in run_commands
	some k, w in words
	mode := mode_option(words, k)
	special_mode(mode)
	msg := sprintf("RUN %s %s (%s): sets a setuid, setgid or sticky bit; a setuid or setgid file runs as its owner or group, whoever starts it; allowed: modes without them", [w, mode, where(n)])
}

mode_option(words, k) := words[k + 1] if words[k] in {"-m", "--mode"}

else := substring(words[k], count("--mode="), -1) if startswith(words[k], "--mode=")

else := substring(words[k], 2, -1) if regex.match("^-m[0-7ugoa]", words[k])

deny contains msg if {
	some [n, words] in run_commands
	some w in words
	basename(w) == "setcap"
	msg := sprintf("RUN setcap (%s): file capabilities give whoever runs the file privileges; not allowed", [where(n)])
}

# With the checksum database off or narrowed, the go command takes a module
# missing from go.sum, or the toolchain GOTOOLCHAIN names, from whatever
# proxy answers, unverified. GOENV names a file that can set any of them.
go_checksum_settings := {"GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOINSECURE", "GOPRIVATE", "GOENV"}

deny contains msg if {
	some [n, words] in run_commands
	some w in words
	upper(split(w, "=")[0]) in go_checksum_settings
	contains(w, "=")
	msg := sprintf("RUN %s (%s): changes the Go checksum database check, so the build could take a module or toolchain nobody verified; not allowed", [w, where(n)])
}

# ARG, ENV and LABEL names

# [n, instruction, name] for every name ARG, ENV and LABEL declare. ENV
# and LABEL values come as name, value, separator triples.
declared_names contains [n, "ARG", arg_name(v)] if {
	some n, i in instructions
	i.Cmd == "arg"
	some v in i.Value
}

declared_names contains [n, upper(i.Cmd), trim(name, `"'`)] if {
	some n, i in instructions
	i.Cmd in {"env", "label"}
	some k, name in i.Value
	k % 3 == 0
}

# BuildKit expands ENV and LABEL names as the shell would (GO"SUMDB" and
# GOSUM\DB are GOSUMDB to it), so a name is allowed only in a form that
# expands to itself: an identifier, and for LABEL the dots and hyphens of
# reverse-DNS keys.
name_forms := {
	"ARG": `^[A-Za-z_][A-Za-z0-9_]*$`,
	"ENV": `^[A-Za-z_][A-Za-z0-9_]*$`,
	"LABEL": `^[A-Za-z0-9][A-Za-z0-9._-]*$`,
}

deny contains msg if {
	some [n, cmd, name] in declared_names
	not regex.match(name_forms[cmd], name)
	msg := sprintf("%s %s (%s): a name must be literal (letters, digits and _; for LABEL also . and -), as BuildKit would read it unchanged, so this policy can check it", [cmd, name, where(n)])
}

# A name is compared with every non-alphanumeric character removed (so
# DB_PASSWORD, DBPASSWORD, db.password and DB\PASSWORD are one name) against
# fragments no ordinary name holds, and word by word (API_KEY, apiKey and
# api.key all hold the word KEY; MONKEY and KEYBOARD do not).
secret_fragments := {
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY",
	"CREDENTIAL", "ACCESSKEY", "AUTHKEY", "SIGNINGKEY", "SESSIONKEY", "ENCRYPTIONKEY", "BEARER",
}

secret_words := {
	"PAT", "PASS", "PWD", "KEY", "CREDS", "AUTH", "OAUTH", "PRIVATE", "DSN", "JWT",
}

# Known safe names that contain a secret's word.
safe_names := {
	"SSHAUTHSOCK", # the path of the agent's socket (RUN --mount=type=ssh)
	"GPGKEY", # a public key's fingerprint, as official images use it
	"ORGOPENCONTAINERSIMAGEAUTHORS",
}

squashed(name) := upper(regex.replace(name, `[^A-Za-z0-9]`, ""))

name_words(name) := {w | some w in regex.split(`[^A-Z0-9]+`, upper(regex.replace(name, `([a-z0-9])([A-Z])`, "${1}_${2}"))); w != ""}

secret_name(name) if {
	squashed_name := squashed(name)
	not squashed_name in safe_names
	some fragment in secret_fragments
	contains(squashed_name, fragment)
}

secret_name(name) if {
	not squashed(name) in safe_names
	some w in name_words(name)
	w in secret_words
}

where_secrets_stay := {
	"ARG": "build args are recorded in the image's history",
	"ENV": "ENV values stay in the image",
	"LABEL": "labels stay in the image",
}

deny contains msg if {
	some [n, cmd, name] in declared_names
	secret_name(name)
	msg := sprintf("%s %s (%s): a secret's name; %s, and this build takes no secrets", [cmd, name, where(n), where_secrets_stay[cmd]])
}

# ARGs are in RUN's environment too.
deny contains msg if {
	some [n, cmd, name] in declared_names
	cmd in {"ARG", "ENV"}
	startswith(upper(name), "LD_")
	msg := sprintf("%s %s (%s): the dynamic loader acts on LD_ variables in every process (LD_PRELOAD loads a library into each); not allowed", [cmd, name, where(n)])
}

deny contains msg if {
	some [n, cmd, name] in declared_names
	cmd == "ARG"
	startswith(upper(name), "BUILDKIT_")
	msg := sprintf("ARG %s (%s): BUILDKIT_ build args configure BuildKit itself; the build command sets them, not the Dockerfile", [name, where(n)])
}

deny contains msg if {
	some [n, cmd, name] in declared_names
	cmd in {"ARG", "ENV"}
	upper(name) in go_checksum_settings
	msg := sprintf("%s %s (%s): changes the Go checksum database check, so the build could take a module or toolchain nobody verified; not allowed", [cmd, name, where(n)])
}

# The final stage: who runs, and what

# Only the final stage's last USER, ENTRYPOINT and HEALTHCHECK take effect.
final_last[cmd] := max(ns) if {
	some cmd in {"user", "entrypoint", "healthcheck"}
	ns := {n | some n, i in instructions; i.Cmd == cmd; i.Stage == final_stage; n >= first_from}
	count(ns) > 0
}

last_final(cmd) := final_last[cmd]

deny contains "final stage: no USER, so the container runs as root; allowed: USER uid:gid, numeric, neither 0" if {
	parses
	not last_final("user")
}

final_user := instructions[last_final("user")].Value[0]

final_user_where := where(last_final("user"))

deny contains msg if {
	not regex.match(`^[0-9]+:[0-9]+$`, final_user)
	msg := sprintf("USER %s (%s): use a numeric uid:gid, which Kubernetes' runAsNonRoot can check (without a gid the group is root's)", [final_user, final_user_where])
}

deny contains msg if {
	regex.match(`^0+(:|$)`, final_user)
	msg := sprintf("USER %s (%s): the final stage runs as root; allowed: a uid other than 0", [final_user, final_user_where])
}

deny contains msg if {
	regex.match(`^[0-9]+:0+$`, final_user)
	msg := sprintf("USER %s (%s): the final stage runs in the root group, which owns most of the image's files; allowed: a gid other than 0", [final_user, final_user_where])
}

# containerd turns an id above 2147483647 into root after runAsNonRoot has
# passed it: before 1.6.38, 1.7.27 and 2.0.4 (CVE-2024-40635) it wraps the
# id to 32 bits, 4294967296 to 0; before 1.7.32, 2.0.9, 2.2.4 and 2.3.1
# (CVE-2026-46680) it looks the id up as a user name in the image's
# /etc/passwd, which the image can map to 0.
deny contains msg if {
	regex.match(`^[0-9]+:[0-9]+$`, final_user)
	some id in split(final_user, ":")
	to_number(id) > 2147483647
	msg := sprintf("USER %s (%s): ids above 2147483647 become root in some container runtimes; allowed: ids up to 2147483647", [final_user, final_user_where])
}

deny contains msg if {
	some n, i in instructions
	i.Cmd in {"entrypoint", "cmd"}
	not i.JSON
	msg := sprintf("%s (%s): the shell form runs through /bin/sh -c, and signals reach the shell, not the program; allowed: the exec form, %s [\"/path/to/program\", \"arg\"]", [shown(i), where(n), upper(i.Cmd)])
}

deny contains msg if {
	some n, i in instructions
	i.Cmd == "healthcheck"
	upper(i.Value[0]) == "CMD"
	not i.JSON
	msg := sprintf("%s (%s): the shell form runs through /bin/sh -c; allowed: the exec form, HEALTHCHECK CMD [\"/path/to/program\", \"arg\"]", [shown(i), where(n)])
}

deny contains "final stage: no ENTRYPOINT, so the container runs what its base image names (a shell, in most); allowed: ENTRYPOINT [\"./program\"] in exec form, naming the program this build compiles" if {
	parses
	not last_final("entrypoint")
}

deny contains "final stage: no HEALTHCHECK; allowed: HEALTHCHECK CMD [\"./program\", \"arg\"] in exec form, as the final stage's last HEALTHCHECK" if {
	parses
	not last_final("healthcheck")
}

deny contains msg if {
	n := last_final("healthcheck")
	upper(instructions[n].Value[0]) == "NONE"
	msg := sprintf("HEALTHCHECK NONE (%s): final stage: no HEALTHCHECK: its last HEALTHCHECK turns health checks off; allowed: HEALTHCHECK CMD [\"./program\", \"arg\"] in exec form", [where(n)])
}

# The image runs its ENTRYPOINT's program, and its HEALTHCHECK's, in the
# final stage's user and working directory.
final_programs contains [n, program] if {
	n := last_final("entrypoint")
	instructions[n].JSON
	program := nth(instructions[n].Value, 0)
}

final_programs contains [n, program] if {
	n := last_final("healthcheck")
	instructions[n].JSON
	upper(instructions[n].Value[0]) == "CMD"
	program := nth(instructions[n].Value, 1)
}

nth(values, k) := values[k] if count(values) > k

else := ""

# Programs that run a shell, another program named in their arguments, a
# script, or change privileges. The program must be one this build copies
# from an earlier stage anyway (below); this catches such a tool copied in
# under its own name, or run by its name from the base image.
runners := {
	"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "toybox",
	"su", "sudo", "doas", "setpriv", "chroot", "runuser", "su-exec", "gosu", "setuidgid", "s6-setuidgid",
	"chpst", "capsh", "setcap", "nsenter", "unshare", "pkexec", "newgrp", "sg", "login",
	"env", "xargs", "nohup", "timeout", "nice", "setsid", "tini", "dumb-init",
}

runner(program) if lower(basename(program)) in runners

runner(program) if regex.match(`^(python|perl|ruby|node|lua|php)[0-9.]*$`, lower(basename(program)))

basename(path) := parts[count(parts) - 1] if {
	parts := [p | some p in split(path, "/"); p != ""]
	count(parts) > 0
} else := ""

# clean makes an absolute path canonical; it is undefined for a path with
# "..", which would need the file system to resolve.
clean(path) := concat("", ["/", concat("/", parts)]) if {
	parts := [p | some p in split(path, "/"); not p in {"", "."}]
	not ".." in parts
}

final_workdirs := [m | some m, i in instructions; i.Cmd == "workdir"; i.Stage == final_stage; m >= first_from]

# The WORKDIR in effect at instruction n of the final stage (n may be one
# past its end): the last absolute WORKDIR before n, with the relative ones
# after it. Undefined when the stage sets none (its base image's would
# count) or one holds a variable.
final_workdir_at(n) := clean(concat("/", [instructions[m].Value[0] | some m in used])) if {
	ws := [m | some m in final_workdirs; m < n]
	absolute := [m | some m in ws; startswith(instructions[m].Value[0], "/")]
	count(absolute) > 0
	used := [m | some m in ws; m >= absolute[count(absolute) - 1]]
	every m in used {
		not contains(instructions[m].Value[0], "$")
	}
}

resolve(path) := clean(path) if startswith(path, "/")

else := clean(concat("/", [workdir, path])) if {
	workdir := runtime_workdir
}

runtime_workdir := final_workdir_at(count(instructions))

# What each COPY of the final stage may write (COPY is the only instruction
# there that writes files: ADD and RUN are not allowed): for each source,
# {"file": path} where a named file lands, {"under": dir} where a
# directory's contents or a wildcard's matches land, or {"anywhere": true}
# when the destination cannot be resolved. A source without a trailing "/"
# is taken for a file, and a directory copied that way would land under
# dest/<its name>, which "file" does not cover: such a COPY cannot be the
# one that puts the program in place.
copy_writes contains write if {
	some n, i in instructions
	i.Cmd == "copy"
	i.Stage == final_stage
	last := count(i.Value) - 1
	some src in array.slice(i.Value, 0, last)
	some target in copy_targets(src, i.Value[last], n, last)
	write := object.union(target, {"n": n, "src": src, "from_stage": copies_from_stage(i), "compiled": compiled_in(copy_from_index(i), src)})
}

# The stage a COPY --from names, by index.
copy_from_index(i) := s if {
	some flag in flags(i)
	parts := flag_parts(flag)
	parts.name == "from"
	some s, name in stage_names
	name == parts.value
	s < i.Stage
} else := -1

# Whether a RUN of stage s writes file with "go build ... -o <file>": the
# program an image runs is the one this build compiles, not any file an
# earlier stage happens to hold (its base image's awk, its dynamic loader,
# a busybox copied under the binary's name).
compiled_in(s, file) if {
	some i in instructions
	i.Cmd == "run"
	i.Stage == s
	some command in i.Value
	some match in regex.find_all_string_submatch_n(`(?:^|[;&|(]|\s)go\s+build\s[^;&|]*?-o[= ]\s*([^\s;&|]+)`, command, -1)
	basename(trim(match[1], `"'`)) == basename(file)
}

else := false

copy_targets(src, raw_dest, n, sources) := copy_lands(src, copy_dest(raw_dest, n), into_directory(raw_dest, sources)) if {
	copy_lands(src, copy_dest(raw_dest, n), into_directory(raw_dest, sources))
} else := {{"anywhere": true}}

copies_from_stage(i) if {
	some flag in flags(i)
	parts := flag_parts(flag)
	parts.name == "from"
	stage_named(parts.value, i.Stage)
}

else := false

copy_dest(raw, n) := clean(raw) if startswith(raw, "/")

else := clean(concat("/", [workdir, raw])) if {
	workdir := final_workdir_at(n)
}

# Whether COPY puts its sources into the destination as a directory.
into_directory(raw, sources) if {
	some directory_form in [endswith(raw, "/"), raw in {".", ".."}, sources > 1]
	directory_form
}

else := false

# A source that copies a directory's contents, or a wildcard's matches.
many_files(src) if endswith(src, "/")

many_files(src) if basename(src) in {".", ""}

many_files(src) if regex.match(`[*?\[]`, src)

# A file copied to a destination without a trailing "/" lands at the
# destination, or inside it when the image already has that directory.
copy_lands(src, dest, into) := {{"under": dest}} if {
	many_files(src)
} else := {{"file": clean(concat("/", [dest, basename(src)]))}} if {
	into
} else := {{"file": dest}, {"file": clean(concat("/", [dest, basename(src)]))}}

may_write(write, path) if write.file == path

may_write(write, path) if startswith(path, concat("", [trim_suffix(write.under, "/"), "/"]))

may_write(write, _) if write.anywhere

# The image holds the file of the last COPY that may write path.
last_writer(path) := max({w.n | some w in copy_writes; may_write(w, path)})

# A program is allowed only when every condition holds, so a form this
# policy does not foresee is denied, not passed; program_problem says why.
program_allowed(program) if {
	contains(program, "/")
	not runner(program)
	path := resolve(program)
	writes := last_writes(path)
	count(writes) > 0
	every w in writes {
		w.from_stage == true
		w.file == path
		not runner(w.src)
		w.compiled == true
	}
}

last_writes(path) := {w | some w in copy_writes; w.n == n; may_write(w, path)} if {
	n := last_writer(path)
}

program_problem(program) := "names no program" if {
	program == ""
} else := "runs a shell, an interpreter or another program given in its arguments, or changes privileges" if {
	runner(program)
} else := "is looked up in PATH, so which file runs depends on the base image; name it by path" if {
	not contains(program, "/")
} else := "is a relative path, and the final stage sets no absolute WORKDIR for it to start from (or the path holds ..)" if {
	not resolve(program)
} else := reason if {
	path := resolve(program)
	not last_writer(path)
	reason := concat("", [resolved_note(program, path), "is not a file the final stage copies from an earlier stage (COPY --from=<stage> <file> <destination>)"])
} else := reason if {
	path := resolve(program)
	some w in last_writes(path)
	w.from_stage != true
	reason := sprintf("%sis last written by %s, which does not copy it from an earlier stage", [resolved_note(program, path), shown(instructions[w.n])])
} else := reason if {
	path := resolve(program)
	some w in last_writes(path)
	not w.file
	reason := sprintf("%scomes from %s, which copies a directory's contents or a wildcard's matches (or to a destination this policy cannot resolve), so the base image's own file of that name may be what runs; name the file itself in COPY --from", [resolved_note(program, path), shown(instructions[w.n])])
} else := reason if {
	path := resolve(program)
	some w in last_writes(path)
	runner(w.src)
	reason := sprintf("is a copy of %s, which runs a shell, an interpreter or another program, or changes privileges", [w.src])
} else := reason if {
	path := resolve(program)
	some w in last_writes(path)
	w.compiled != true
	reason := sprintf("is a copy of %s, which no RUN of the stage it comes from writes with go build -o", [w.src])
} else := "is not a program this policy can follow"

resolved_note(program, path) := "" if program == path

else := sprintf("(%s) ", [path])

# A COPY from the build context after one from a stage may write through a
# symlink that stage put in place (COPY resolves its destination through
# symlinks): the final stage takes its files from the context first.
deny contains msg if {
	some n, i in instructions
	i.Cmd == "copy"
	i.Stage == final_stage
	not copies_from_stage(i)
	some m, earlier in instructions
	m < n
	earlier.Cmd == "copy"
	earlier.Stage == final_stage
	copies_from_stage(earlier)
	msg := sprintf("%s (%s): copies from the build context after %s, and could write through a symlink that copy brought; allowed: the final stage's COPY from the build context before any COPY --from", [shown(i), where(n), shown(earlier)])
}

deny contains msg if {
	some [n, program] in final_programs
	not program_allowed(program)
	i := instructions[n]
	msg := sprintf("%s (%s): %q %s; allowed: the program this build compiles, by the path its COPY --from gives it (./program after WORKDIR, or /path/program)", [shown(i), where(n), program, program_problem(program)])
}
