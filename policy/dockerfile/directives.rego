# How the policy reads the Dockerfile, and the rules on what only the raw
# file shows: its parser directives and its characters.
#
# conftest's Dockerfile parser drops parser directives, the "# key=value"
# lines at the top of the file, yet they decide the most: "# syntax=" hands
# the whole build to the frontend image it names, "# escape=" changes how
# every later line reads. So the policy takes the whole file as a string
# and parses it itself, with parse_config (the same BuildKit parser as
# conftest's --parser dockerfile). build/dockerfile-policy.sh runs it:
#   jq -Rs '{dockerfile: .}' Dockerfile |
#     conftest test --parser json -p policy/dockerfile -
# (conftest has no parser that keeps a file's lines verbatim: its "ignore"
# parser, the nearest, crashes on a line ending in a backslash.)
package main

import rego.v1

raw_file if is_string(input.dockerfile)

# Run on conftest's own Dockerfile parser's output, the policy would pass a
# file whose directives it never saw.
deny contains "the Dockerfile policy reads the whole file, to see its parser directives, as {\"dockerfile\": \"<text>\"}: run build/dockerfile-policy.sh FILE" if {
	not raw_file
}

lines := split(input.dockerfile, "\n")

# parse_config is declared to return an object; the JSON round trip lets the
# type checker accept the array of documents it returns.
parse(text) := json.unmarshal(json.marshal(parse_config("dockerfile", text)))[0]

parsed := parse(input.dockerfile)

parses if parsed

# When BuildKit's parser refuses the file, parse_config is undefined rather
# than an error, and every rule on instructions would be silent.
deny contains parse_failure if {
	raw_file
	not parses
}

buildkit_instructions := {
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
	"LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}

# Every prefix of the file from the first instruction to just before the
# refused line parses, so the refused line follows the longest one that
# does; when none does, it is the first line that is not a comment.
refused_line := max(parsing) + 1 if {
	parsing := {n | some n in numbers.range(1, count(lines)); parse(concat("\n", array.slice(lines, 0, n)))}
	count(parsing) > 0
} else := first if {
	first := min({m | some n, line in lines; trim_space(line) != ""; not startswith(trim_space(line), "#"); m := n + 1})
}

parse_failure := msg if {
	line := trim_space(lines[refused_line - 1])
	word := regex.find_n(`^[A-Za-z]+\b`, line, 1)[0]
	not upper(word) in buildkit_instructions
	msg := sprintf("line %d: %s is not a Dockerfile instruction; allowed: %s", [refused_line, word, allowed_instructions_text])
} else := msg if {
	msg := sprintf("line %d: BuildKit's Dockerfile parser refuses %q: an unknown flag, an unknown instruction or a malformed line", [refused_line, trim_space(lines[refused_line - 1])])
} else := "BuildKit's Dockerfile parser refuses the file, and no instruction in it parses (is there one?)"

# Characters that BuildKit's Go code reads as white space (unicode.IsSpace)
# where a regular expression's \s does not, control characters, and U+FFFD
# (jq's stand-in for bytes that are not UTF-8) could make the file read one
# way here and another in BuildKit. A CR is allowed only at a line's end.
odd_characters := `[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{fffd}]|\r[^\n]`

deny contains msg if {
	regex.match(odd_characters, input.dockerfile)
	some n, line in lines
	regex.match(odd_characters, line)
	msg := sprintf("line %d: holds a control character, an unusual space or bytes that are not UTF-8, which BuildKit may read differently from how the line looks; use plain spaces and tabs", [n + 1])
}

# unicode.IsSpace, as BuildKit trims around directives.
space := `[\t\n\v\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`

space_characters := "\t\n\u000b\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

# BuildKit reads directives from the top of the file until the first line
# that is not one (a blank line, another comment, an instruction), after a
# byte-order mark and, for "syntax", a "#!" line; its frontend also accepts
# "// syntax=". The preamble here runs through every comment and blank line
# up to the first instruction, so it holds every line any BuildKit reader
# could take for a directive, and a few it would not.
preamble_line(line) if trim_left(line, space_characters) == ""

preamble_line(line) if startswith(trim_left(line, space_characters), "#")

preamble_line(line) if startswith(trim_left(line, space_characters), "//")

preamble_end := min({n | some n, line in lines; not preamble_line(line)})

in_preamble(n) if n < preamble_end

in_preamble(_) if not preamble_end

directive_pattern := concat("", [`^\x{feff}?`, space, `*(?:#|//)`, space, `*([A-Za-z][A-Za-z0-9]*)`, space, `*=`, space, `*(.*?)`, space, `*$`])

directives contains {"line": n + 1, "text": trim_space(line), "key": lower(m[1]), "value": m[2]} if {
	some n, line in lines
	in_preamble(n)
	m := regex.find_all_string_submatch_n(directive_pattern, line, 1)[0]
}

# A pinned frontend still parses the file with its own version of BuildKit's
# parser; docker/dockerfile is Docker's own.
pinned_frontend(ref) if regex.match(`^(docker\.io/)?docker/dockerfile(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$`, ref)

deny contains msg if {
	some d in directives
	d.key == "syntax"
	not pinned_frontend(d.value)
	msg := sprintf("line %d, %s: a syntax directive hands the whole build to the frontend image it names, which need not read this file as this policy does; allowed: no syntax directive (BuildKit's built-in frontend), or docker/dockerfile pinned by digest (# syntax=docker/dockerfile:1@sha256:<64 hex>)", [d.line, d.text])
}

deny contains msg if {
	some d in directives
	d.key == "escape"
	msg := sprintf("line %d, %s: the escape directive changes which character escapes and continues lines, so the file does not read as it looks; allowed directives: syntax (docker/dockerfile pinned by digest) and check", [d.line, d.text])
}

# The check directive only configures BuildKit's lint warnings.
check_setting := `(skip=[A-Za-z,]+|error=(true|false)|experimental=[A-Za-z,]+)`

deny contains msg if {
	some d in directives
	d.key == "check"
	not regex.match(concat("", ["^", check_setting, "(;", check_setting, ")*$"]), d.value)
	msg := sprintf("line %d, %s: allowed check settings: skip=<rules>, error=true|false, experimental=<rules>, separated by ';'", [d.line, d.text])
}

deny contains msg if {
	some d in directives
	not d.key in {"syntax", "escape", "check"}
	msg := sprintf("line %d, %s: a key=value comment at the top of the file reads as a parser directive, and %q is not one this policy knows; allowed directives: syntax (docker/dockerfile pinned by digest) and check; reword the comment or move it below the first instruction", [d.line, d.text, d.key])
}

# BuildKit refuses a repeated directive in one place and takes the first in
# another.
deny contains msg if {
	some d in directives
	count([e | some e in directives; e.key == d.key]) > 1
	msg := sprintf("line %d, %s: the %s directive appears more than once; allowed: once", [d.line, d.text, d.key])
}
