package main

import rego.v1

# Digests copied from the repository's fixtures: the tests need the shape
# of a pin, not a real image.
digest := "sha256:1699c10032ca2582ec89a24a1312d986a3f094aed3d5c1147b19880afe40e052"

distroless_digest := "sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3"

# Our Dockerfile's instructions, without its comments.
ours := `ARG GO_IMAGE=golang:1.27.2-alpine@sha256:85dc1069ac644ea3c527b177303a406eb3358192816cd7f9e5848eb658851673
ARG RUNTIME_IMAGE=alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce

FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /usr/src/app/
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go mod download
COPY main.go ./
COPY service/ ./service/
COPY products/ ./products/
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -buildid= -X main.version=${VERSION}" -o product-catalog .

FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/product-catalog/product-catalog
LABEL org.opencontainers.image.title="product-catalog" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
WORKDIR /usr/src/app/
COPY products/ ./products/
COPY --from=build /usr/src/app/product-catalog ./
USER 65532:65532
ENV PRODUCT_CATALOG_PORT=8088
EXPOSE 8088
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["./product-catalog", "healthcheck"]
ENTRYPOINT ["./product-catalog"]
`

# A small Dockerfile of ours' shape, which most tests vary: evaluating the
# policy costs time in proportion to the file.
small := `ARG GO_IMAGE=golang:1.27.2-alpine@sha256:85dc1069ac644ea3c527b177303a406eb3358192816cd7f9e5848eb658851673
ARG RUNTIME_IMAGE=alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /usr/src/app/
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go build -o product-catalog .
FROM ${RUNTIME_IMAGE}
WORKDIR /usr/src/app/
COPY --from=build /usr/src/app/product-catalog ./
USER 65532:65532
HEALTHCHECK --interval=10s CMD ["./product-catalog", "healthcheck"]
ENTRYPOINT ["./product-catalog"]
`

# What a user might write from the seed (opentelemetry-demo's
# product-catalog): a distroless base, the binary built into a directory
# (copied by name: see test_program_from_a_directory_copy), the port from an
# ARG, CMD for the arguments.
seed_like := concat("", [
	"FROM --platform=${BUILDPLATFORM} golang:1.27.2-alpine@", digest, " AS builder\n",
	`WORKDIR /usr/src/app/
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod/,id=gomod,sharing=locked go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,dst=/go/pkg/mod/ --mount=type=cache,destination=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags "-s -w" -o /go/bin/product-catalog/ ./
`,
	"FROM gcr.io/distroless/static:nonroot@", distroless_digest, "\n",
	`ARG PRODUCT_CATALOG_PORT=8088
WORKDIR /usr/src/app/
COPY --chown=65532:65532 --chmod=0444 ./products/ ./products/
COPY --from=builder --link --chmod=755 /go/bin/product-catalog/product-catalog ./
ENV PRODUCT_CATALOG_PORT=${PRODUCT_CATALOG_PORT}
EXPOSE ${PRODUCT_CATALOG_PORT}
USER 65532:65532
HEALTHCHECK CMD ["/usr/src/app/product-catalog", "healthcheck"]
ENTRYPOINT [ "./product-catalog" ]
CMD ["--log-level=info"]
`,
])

doc(text) := {"dockerfile": text}

denials(text) := denied if {
	denied := deny with input as doc(text)
}

denied_with(text, want) if {
	some msg in denials(text)
	contains(msg, want)
}

# small with instructions added to the final stage, just before ENTRYPOINT
# (at line 14).
final_with(extra) := replace(small, "ENTRYPOINT [", concat("", [extra, "\nENTRYPOINT ["]))

# small with instructions added to the build stage, just after its WORKDIR.
build_with(extra) := replace(small, "WORKDIR /usr/src/app/\nCOPY go.mod", concat("", ["WORKDIR /usr/src/app/\n", extra, "\nCOPY go.mod"]))

# Allowed forms

test_our_dockerfile_passes if {
	count(denials(ours)) == 0
}

test_seed_like_dockerfile_passes if {
	count(denials(seed_like)) == 0
}

test_renamed_binary_passes if {
	count(denials(replace(
		replace(
			replace(
				small,
				"COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /usr/src/app/product-catalog /usr/local/bin/catalog",
			),
			`CMD ["./product-catalog", "healthcheck"]`, `CMD ["/usr/local/bin/catalog", "healthcheck"]`,
		),
		`ENTRYPOINT ["./product-catalog"]`, `ENTRYPOINT ["/usr/local/bin/catalog"]`,
	))) == 0
}

test_scratch_final_stage_passes if {
	count(denials(replace(small, "FROM ${RUNTIME_IMAGE}", "FROM scratch"))) == 0
}

test_final_stage_from_a_stage_passes if {
	count(denials(replace(small, "FROM ${RUNTIME_IMAGE}", "FROM ${RUNTIME_IMAGE} AS base\nFROM BASE"))) == 0
}

test_pinned_syntax_and_check_directives_pass if {
	count(denials(concat("", ["# syntax=docker/dockerfile:1@", digest, "\n# check=skip=all;error=true\n", small]))) == 0
	count(denials(concat("", ["#syntax = docker.io/docker/dockerfile@", digest, "\n", small]))) == 0
}

test_a_directive_after_an_instruction_is_a_comment if {
	count(denials(replace(small, "ARG TARGETOS\n", "# syntax=attacker/frontend:latest\n# escape=`\nARG TARGETOS\n"))) == 0
}

test_network_none_passes if {
	count(denials(replace(small, "RUN --mount=type=cache,target=/go/pkg/mod", "RUN --network=none --mount=type=cache,target=/go/pkg/mod"))) == 0
}

test_literal_platform_passes if {
	count(denials(replace(small, "--platform=$BUILDPLATFORM", "--platform=linux/amd64"))) == 0
}

test_safe_names if {
	every name in ["SSH_AUTH_SOCK", "GPG_KEY", "KEYBOARD", "MONKEY", "PATH", "AUTHOR", "BYPASS_CACHE", "TARGETOS", "MODE"] {
		count(denials(final_with(concat("", ["ENV ", name, "=token"])))) == 0
	}
	count(denials(final_with("LABEL org.opencontainers.image.authors=us"))) == 0
}

# Input and parsing

test_input_must_be_the_raw_file if {
	some msg in deny with input as [{"Cmd": "from", "Value": ["alpine"]}]
	contains(msg, "run build/dockerfile-policy.sh")
}

test_unknown_instruction if {
	denied_with(final_with("FOO bar"), "line 14: FOO is not a Dockerfile instruction")
}

test_unknown_flag if {
	denied_with(final_with("COPY --bogus a b"), `line 14: BuildKit's Dockerfile parser refuses "COPY --bogus a b"`)
}

test_empty_file if {
	denied_with("", "no instruction in it parses")
}

test_odd_characters if {
	denied_with(final_with("ENV A=b\u000b"), "line 14: holds a control character")
	denied_with(final_with("ENV A=b\u00a0c"), "line 14: holds a control character")
	denied_with(final_with("ENV A=b\u0000"), "line 14: holds a control character")
	denied_with(final_with("ENV A=b\rc"), "line 14: holds a control character")
	denied_with(final_with("ENV A=b\ufffd"), "line 14: holds a control character")
	count(denials(replace(small, "\n", "\r\n"))) == 0
}

# Parser directives

test_syntax_unpinned if {
	denied_with(concat("\n", ["# syntax=attacker/frontend:latest", small]), "line 1, # syntax=attacker/frontend:latest: a syntax directive hands the whole build")
}

test_syntax_pinned_but_not_dockers if {
	denied_with(concat("", ["# syntax=attacker/frontend@", digest, "\n", small]), "a syntax directive hands the whole build")
}

test_syntax_with_arguments if {
	denied_with(concat("", ["# syntax=docker/dockerfile:1@", digest, " --frontend-opt\n", small]), "a syntax directive hands the whole build")
}

test_syntax_in_every_form_buildkit_reads if {
	every prefix in [
		"#syntax=x", "  # syntax=x", "# SYNTAX = x", "\ufeff# syntax=x", "#\u000bsyntax=x", "#\u00a0syntax=x",
		"// syntax=x", "#!/usr/bin/env docker\n# syntax=x", "# hello\n# syntax=x", "\n# syntax=x",
		"# syntax=x\r",
	] {
		denied_with(concat("\n", [prefix, small]), "a syntax directive hands the whole build")
	}
}

test_escape if {
	denied_with(concat("\n", ["# escape=`", small]), "line 1, # escape=`: the escape directive changes")
	denied_with(concat("\n", ["# escape=\\", small]), "the escape directive changes")
}

test_check if {
	denied_with(concat("\n", ["# check=skip=all;frontend=x", small]), "allowed check settings")
}

test_unknown_directive if {
	denied_with(concat("\n", ["# frontend=attacker/x", small]), `"frontend" is not one this policy knows`)
}

test_repeated_directive if {
	denied_with(concat("", ["# syntax=docker/dockerfile:1@", digest, "\n# syntax=docker/dockerfile:1@", digest, "\n", small]), "the syntax directive appears more than once")
}

# Instructions

test_add_in_every_form if {
	every add in ["ADD https://example.com/x.tgz /x", "ADD local.tgz /x", "ADD ${SRC} /x", "ADD --checksum=sha256:abc https://x/a /a", "ADD git@github.com:a/b.git /b"] {
		denied_with(build_with(add), "ADD also fetches URLs and git repositories")
	}
}

test_instructions_left_out if {
	denied_with(final_with("ONBUILD COPY --from=busybox:latest /bin/sh /bin/sh"), "ONBUILD COPY /bin/sh /bin/sh (stage 1, final): not allowed: ONBUILD triggers")
	denied_with(final_with(`SHELL ["/bin/bash", "-c"]`), "SHELL /bin/bash -c (stage 1, final): not allowed")
	denied_with(final_with("VOLUME /data"), "VOLUME /data (stage 1, final): not allowed")
	denied_with(final_with("STOPSIGNAL SIGKILL"), "STOPSIGNAL SIGKILL (stage 1, final): not allowed")
	denied_with(final_with("MAINTAINER me"), "MAINTAINER me (stage 1, final): not allowed")
}

test_only_arg_before_from if {
	denied_with(concat("\n", ["ENV A=b", small]), "ENV A b = (before the first FROM): only ARG may come before the first FROM")
}

test_no_from if {
	denied_with("ARG A=b\n", "the Dockerfile has no FROM")
}

# Flags

test_flags_not_allowed if {
	denied_with(final_with("COPY --from=build --parents /a/b ./"), `COPY --parents (stage 1, final): not an allowed flag on COPY; allowed: --chmod, --chown, --from, --link`)
	denied_with(final_with("COPY --exclude=*.go . ./"), `COPY --exclude=*.go (stage 1, final): not an allowed flag on COPY`)
	denied_with(build_with("RUN --security=insecure true"), `RUN --security=insecure (stage "build"): not an allowed flag on RUN; allowed: --mount, --network`)
	denied_with(build_with("RUN --device=/dev/fuse true"), `RUN --device=/dev/fuse`)
	denied_with(final_with("WORKDIR --x=y /a"), `line 14: BuildKit's Dockerfile parser refuses "WORKDIR --x=y /a"`)
	denied_with(replace(small, "HEALTHCHECK --interval=10s", "HEALTHCHECK --interval=$I"), `line 13: BuildKit's Dockerfile parser refuses "HEALTHCHECK --interval=$I`)
}

test_platform_from_a_variable if {
	denied_with(replace(small, "--platform=$BUILDPLATFORM", "--platform=$PLATFORM"), "FROM --platform=$PLATFORM (stage \"build\"): allowed: --platform=$BUILDPLATFORM")
}

test_network if {
	denied_with(build_with("RUN --network=host true"), `RUN --network=host (stage "build"): allowed: --network=none`)
	denied_with(build_with("RUN --network=default true"), `RUN --network=default (stage "build"): allowed: --network=none`)
}

test_copy_from_only_earlier_stage_names if {
	denied_with(final_with("COPY --from=0 /a /b"), "COPY --from=0 (stage 1, final): --from names no earlier stage")
	denied_with(final_with("COPY --from=busybox:1.36 /bin/sh /sh"), "COPY --from=busybox:1.36 (stage 1, final): --from names no earlier stage")
	denied_with(final_with(concat("", ["COPY --from=alpine:3.22@", digest, " /a /b"])), "--from names no earlier stage")
	denied_with(final_with("COPY --from=${TOOLS} /a /b"), "COPY --from=${TOOLS} (stage 1, final): --from names no earlier stage")
	denied_with(replace(small, "COPY go.mod go.sum ./", "COPY --from=build /a /b"), `COPY --from=build (stage "build"): --from names no earlier stage`)
}

test_copy_chown if {
	denied_with(final_with("COPY --chown=root:root a b"), "COPY --chown=root:root (stage 1, final): allowed: a numeric --chown")
}

test_copy_chmod_special_bits if {
	every mode in ["4755", "04755", "2755", "1777", "6755", "u+s", "g+s", "+t", "u=rwxs", "0o755", "$MODE"] {
		denied_with(final_with(concat("", ["COPY --chmod=", mode, " a b"])), "allowed: an octal --chmod such as 0755 or 644, without the setuid")
	}
}

test_mount_only_cache if {
	denied_with(build_with("RUN --mount=type=cache,target=/x,from=0 true"), `RUN --mount=type=cache,target=/x,from=0 (stage "build"): "from" is not an allowed --mount key`)
	denied_with(build_with("RUN --mount=type=cache,target=/x,from=build,source=/ true"), `"source" is not an allowed --mount key`)
	denied_with(build_with("RUN --mount=type=bind,target=/t,from=busybox:1.36 true"), "allowed: exactly one type=cache")
	denied_with(build_with("RUN --mount=target=/t true"), "allowed: exactly one type=cache (a mount with no type is a bind mount")
	denied_with(build_with("RUN --mount=type=cache,target=/t,type=bind true"), "allowed: exactly one type=cache")
	denied_with(build_with("RUN --mount=type=secret,id=npmrc true"), "allowed: exactly one type=cache")
	denied_with(build_with("RUN --mount=type=cache,target=/t,ro true"), `"ro" is not an allowed --mount key`)
	denied_with(build_with("RUN --mount=type=cache,target=/t,mode=4777 true"), `"mode" is not an allowed --mount key`)
	denied_with(build_with("RUN --mount=type=$T,target=/t true"), "--mount takes no variables or quotes")
	denied_with(build_with(`RUN --mount=type=cache,"target=/t,from=0" true`), `"from" is not an allowed --mount key`)
}

# FROM

test_unpinned_from if {
	denied_with(replace(small, "FROM ${RUNTIME_IMAGE}", "FROM alpine:3.22"), `FROM alpine:3.22 (stage 1, final): image "alpine:3.22" is not pinned by digest`)
}

test_unpinned_arg_default if {
	denied_with(replace(small, "ARG GO_IMAGE=golang:1.27.2-alpine@sha256:85dc1069ac644ea3c527b177303a406eb3358192816cd7f9e5848eb658851673", "ARG GO_IMAGE=golang:1.22"), `FROM ${GO_IMAGE} (stage "build"): image "golang:1.22" is not pinned`)
}

test_arg_without_default if {
	denied_with(replace(small, "ARG GO_IMAGE=golang:1.27.2-alpine@sha256:85dc1069ac644ea3c527b177303a406eb3358192816cd7f9e5848eb658851673", "ARG GO_IMAGE"), "is not a global build arg with a default")
}

test_global_arg_redeclared_without_default if {
	denied_with(replace(small, "\nFROM --platform", "\nARG GO_IMAGE\nFROM --platform"), `"${GO_IMAGE}" names no earlier stage`)
}

test_stage_local_arg_does_not_feed_from if {
	denied_with(replace(small, "FROM ${RUNTIME_IMAGE}", concat("", ["ARG RUNTIME=alpine:3.22@", digest, "\nFROM ${RUNTIME}"])), `"${RUNTIME}" names no earlier stage and is not a global build arg`)
}

test_variable_in_part_of_the_name if {
	denied_with(replace(small, "FROM ${RUNTIME_IMAGE}", concat("", ["FROM ${REG}/alpine@", digest])), "names no earlier stage")
}

test_latest if {
	denied_with(final_with("ARG TOOL_IMAGE=busybox:latest"), ":latest tag is not a version")
}

test_stage_name_bound_later_is_an_image if {
	denied_with(replace(small, "FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build", "FROM build AS base\nFROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build"), `FROM build (stage "base"): image "build" is not pinned`)
}

# RUN

test_no_run_in_the_final_stage if {
	denied_with(final_with("RUN true"), "RUN (stage 1, final): the final stage does not RUN")
}

test_here_documents if {
	denied_with(build_with("RUN <<EOF\nchmod u+s /bin/x\nEOF"), `RUN <<EOF (stage "build"): a here-document's body is hidden`)
	denied_with(final_with("COPY <<EOF /etc/x\nhi\nEOF"), "COPY <<EOF (stage 1, final): a here-document's body is hidden")
}

test_run_setuid if {
	every command in [
		"chmod u+s /x", "chmod 4755 /x", "chmod -R g+s /x", "chmod a=rwxs /x", "chmod 1777 /tmp",
		"true && chmod +s /x", "find / -exec chmod 4755 {} ;", "install -m 4755 a /x", "install -m4755 a /x",
		"install --mode=2755 a /x", "mkdir -m 1777 /x", "/bin/chmod 'u+s' /x",
	] {
		denied_with(build_with(concat(" ", ["RUN", command])), "sets a setuid, setgid or sticky bit")
	}
}

# RUN is a closed grammar: even a harmless chmod is outside it, and tricks
# a text check cannot read (an escaped or computed mode) with it.
test_run_outside_the_grammar if {
	denied_with(build_with("RUN chmod 0755 /x"), `"chmod 0755 /x" is not a command this policy allows`)
	denied_with(build_with(`RUN chmod 4\755 /x`), "is not a command this policy allows")
	denied_with(build_with("RUN chmod $((4755)) /x"), "is not a command this policy allows")
	denied_with(build_with("RUN go mod download; sh -c x"), "is not a command this policy allows")
	denied_with(build_with("RUN go build -o app . || true"), "is not a command this policy allows")
}

test_run_grammar_passes if {
	count(denials(build_with(`RUN go mod download && CGO_ENABLED=0 GOOS=$TARGETOS go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o app . && mkdir -p /out/bin && ln -s /app /out/bin/app`))) == 0
}

test_run_setcap if {
	denied_with(build_with("RUN setcap cap_setuid+ep /x"), `RUN setcap (stage "build"): file capabilities`)
}

test_go_checksum_settings if {
	denied_with(build_with("RUN GONOSUMDB=* go mod download"), `RUN GONOSUMDB=* (stage "build"): changes the Go checksum database check`)
	denied_with(build_with("RUN go env -w GOSUMDB=off"), "RUN GOSUMDB=off")
	denied_with(build_with("ENV GOPRIVATE=*"), `ENV GOPRIVATE (stage "build"): changes the Go checksum database check`)
	denied_with(build_with("ARG GOINSECURE"), `ARG GOINSECURE (stage "build")`)
	denied_with(build_with("ENV GOENV=/src/go.env"), `ENV GOENV (stage "build")`)
}

# Names

test_secret_names if {
	every name in [
		"GITHUB_PAT", "DB_PASS", "DB_PASSWD", "API_KEY", "apiKey", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY",
		"GOOGLE_CREDENTIALS", "AUTH_HEADER", "PRIVATE_KEY_FILE", "db.password", "SENTRY_DSN",
		"DBPASSWORD", "TOK\\EN", "db_password", "githubtoken", "ApiKey", "MYSECRETS", "PRIVATEKEY", "SESSION_JWT",
	] {
		denied_with(final_with(concat("", ["ARG ", name, "=x"])), concat(" ", ["ARG", name, "(stage 1, final): a secret's name; build args are recorded"]))
	}
}

test_secret_env if {
	denied_with(final_with("ENV PORT=8088 DB_PASSWORD=x"), "ENV DB_PASSWORD (stage 1, final): a secret's name; ENV values stay in the image")
	denied_with(final_with("ENV TOK\\EN x"), "ENV TOK\\EN (stage 1, final): a secret's name")
}

test_secret_label if {
	denied_with(final_with(`LABEL org.opencontainers.image.title="app" "deploy.apiKey"="abc123"`), "LABEL deploy.apiKey (stage 1, final): a secret's name; labels stay in the image")
}

test_names_must_be_literal if {
	denied_with(final_with("ENV ${NAME}=x"), "ENV ${NAME} (stage 1, final): a name must be literal")
	denied_with(final_with("LABEL ${NAME}=x"), "LABEL ${NAME} (stage 1, final): a name must be literal")
}

test_loader_variables if {
	denied_with(final_with("ENV LD_PRELOAD=/tmp/x.so"), "ENV LD_PRELOAD (stage 1, final): the dynamic loader acts on LD_ variables")
	denied_with(build_with("ARG LD_LIBRARY_PATH=/tmp"), "ARG LD_LIBRARY_PATH")
}

test_buildkit_args if {
	denied_with(concat("\n", ["ARG BUILDKIT_SYNTAX=attacker/frontend", small]), "ARG BUILDKIT_SYNTAX (before the first FROM): BUILDKIT_ build args configure BuildKit itself")
}

# USER

test_no_user if {
	denied_with(replace(small, "USER 65532:65532\n", ""), "final stage: no USER, so the container runs as root")
}

test_user_in_an_earlier_stage_does_not_count if {
	denied_with(replace(replace(small, "USER 65532:65532\n", ""), "ENV GOTOOLCHAIN", "USER 65532:65532\nENV GOTOOLCHAIN"), "final stage: no USER")
}

test_named_user if {
	denied_with(replace(small, "USER 65532:65532", "USER nonroot"), "USER nonroot (stage 1, final): use a numeric uid:gid")
}

test_user_without_group if {
	denied_with(replace(small, "USER 65532:65532", "USER 65532"), "USER 65532 (stage 1, final): use a numeric uid:gid")
}

test_user_from_variables if {
	denied_with(replace(small, "USER 65532:65532", "ARG UID=0\nUSER ${UID}:${UID}"), "USER ${UID}:${UID} (stage 1, final): use a numeric uid:gid")
}

test_root_user if {
	denied_with(replace(small, "USER 65532:65532", "USER 0:0"), "USER 0:0 (stage 1, final): the final stage runs as root")
	denied_with(replace(small, "USER 65532:65532", "USER 000:65532"), "the final stage runs as root")
}

test_root_group if {
	denied_with(replace(small, "USER 65532:65532", "USER 65532:0"), "runs in the root group")
	denied_with(replace(small, "USER 65532:65532", "USER 65532:000"), "runs in the root group")
}

test_last_user_counts if {
	denied_with(final_with("USER 0:0"), "the final stage runs as root")
}

test_user_ids_that_wrap if {
	denied_with(replace(small, "USER 65532:65532", "USER 4294967296:4294967296"), "USER 4294967296:4294967296 (stage 1, final): ids above 2147483647 become root")
	denied_with(replace(small, "USER 65532:65532", "USER 65532:2147483648"), "ids above 2147483647")
	count(denials(replace(small, "USER 65532:65532", "USER 2147483647:2147483647"))) == 0
}

# ENTRYPOINT, CMD, HEALTHCHECK

test_no_entrypoint if {
	denied_with(replace(small, `ENTRYPOINT ["./product-catalog"]`, `CMD ["./product-catalog"]`), "final stage: no ENTRYPOINT")
}

test_shell_forms if {
	denied_with(replace(small, `ENTRYPOINT ["./product-catalog"]`, "ENTRYPOINT ./product-catalog"), "ENTRYPOINT ./product-catalog (stage 1, final): the shell form runs through /bin/sh -c")
	denied_with(final_with("CMD serve"), "CMD serve (stage 1, final): the shell form")
	denied_with(replace(small, `CMD ["./product-catalog", "healthcheck"]`, "CMD ./product-catalog healthcheck"), "HEALTHCHECK --interval=10s CMD ./product-catalog healthcheck (stage 1, final): the shell form")
}

entrypoint(program) := replace(small, `ENTRYPOINT ["./product-catalog"]`, concat("", [`ENTRYPOINT ["`, program, `", "-c", "x"]`]))

test_entrypoint_runners if {
	every program in ["su", "/bin/su", "sudo", "/usr/bin/doas", "setpriv", "chroot", "runuser", "/bin/sh", "bash", "/bin/busybox", "/usr/bin/env", "python3", "/usr/bin/python3.12", "tini"] {
		denied_with(entrypoint(program), "runs a shell, an interpreter or another program given in its arguments, or changes privileges")
	}
}

test_entrypoint_from_the_base_image if {
	denied_with(entrypoint("/bin/ping"), `ENTRYPOINT /bin/ping -c x (stage 1, final): "/bin/ping" is not a file the final stage copies from an earlier stage`)
	denied_with(entrypoint("./products/x"), `"./products/x" (/usr/src/app/products/x) is not a file the final stage copies from an earlier stage`)
}

test_entrypoint_looked_up_in_path if {
	denied_with(entrypoint("product-catalog"), "is looked up in PATH")
}

test_entrypoint_relative_without_workdir if {
	denied_with(replace(small, "WORKDIR /usr/src/app/\nCOPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /usr/src/app/product-catalog /app"), "is a relative path, and the final stage sets no absolute WORKDIR")
	denied_with(replace(small, "WORKDIR /usr/src/app/\nCOPY --from=build", "WORKDIR app\nCOPY --from=build"), "is a relative path, and the final stage sets no absolute WORKDIR")
	denied_with(entrypoint("../app/product-catalog"), "is a relative path")
}

test_entrypoint_copied_from_a_runner if {
	denied_with(replace(small, "COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /bin/busybox ./product-catalog"), `"./product-catalog" is a copy of /bin/busybox`)
}

test_empty_entrypoint if {
	denied_with(replace(small, `ENTRYPOINT ["./product-catalog"]`, `ENTRYPOINT []`), `ENTRYPOINT (stage 1, final): "" names no program`)
}

test_program_from_a_directory_copy if {
	denied_with(
		replace(small, "COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /usr/src/app/ ./"),
		`"./product-catalog" (/usr/src/app/product-catalog) comes from COPY --from=build /usr/src/app/ ./, which copies a directory's contents`,
	)
	denied_with(replace(small, "COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /usr/src/app/product-* ./"), "which copies a directory's contents or a wildcard's matches")
	denied_with(replace(small, "COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build / /"), "which copies a directory's contents or a wildcard's matches")
}

test_base_image_tool_behind_a_wildcard_copy if {
	denied_with(
		replace(entrypoint("/usr/bin/nc"), "COPY --from=build /usr/src/app/product-catalog ./", "COPY --from=build /usr/src/app/product-catalog ./\nCOPY --from=build /usr/src/app/*.txt /usr/bin/"),
		`"/usr/bin/nc" comes from COPY --from=build /usr/src/app/*.txt /usr/bin/`,
	)
}

test_program_overwritten_from_the_context if {
	denied_with(final_with("COPY bin/ ./"), `"./product-catalog" (/usr/src/app/product-catalog) is last written by COPY bin/ ./, which does not copy it from an earlier stage`)
	denied_with(final_with("COPY tool ./product-catalog"), "is last written by COPY tool ./product-catalog, which does not copy it from an earlier stage")
}

test_context_copy_before_the_program_passes if {
	count(denials(replace(small, "COPY --from=build", "COPY . ./\nCOPY --from=build"))) == 0
}

test_no_healthcheck if {
	denied_with(replace(small, `HEALTHCHECK --interval=10s CMD ["./product-catalog", "healthcheck"]`, ""), "final stage: no HEALTHCHECK")
}

test_last_healthcheck_none if {
	denied_with(final_with("HEALTHCHECK NONE"), "HEALTHCHECK NONE (stage 1, final): final stage: no HEALTHCHECK")
}

test_healthcheck_runner if {
	denied_with(replace(small, `CMD ["./product-catalog", "healthcheck"]`, `CMD ["/bin/sh", "-c", "wget localhost"]`), "runs a shell")
}
