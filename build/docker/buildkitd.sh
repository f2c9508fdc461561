#!/usr/bin/env bash
# A BuildKit daemon of one's own, started for a command and gone after it:
# the pinned buildkitd (build/tools/buildkit), rootful, with the OCI worker
# on Debian's runc and no containerd worker. Its state (--root), unix socket,
# temporary mounts and cgroups are its own, under a fresh directory, so it
# starts from an empty cache (layers and RUN cache mounts alike) and shares
# nothing with Docker: /var/lib/docker, /var/lib/buildkit, /run/buildkit and
# Docker's builders are never touched. buildctl finds it through
# BUILDKIT_HOST.
#
# With REGISTRY=127.0.0.1:PORT (build/docker/registry.sh) it pulls from and
# pushes to that registry over plain HTTP; plain HTTP is allowed for nothing
# else.
#
# Stopping it (on every exit path when run as a command) sends SIGTERM, then
# SIGKILL after 20 seconds, unmounts whatever is still mounted under its
# directory, removes the directory (rm --one-file-system: a mount that would
# not go is never descended into) and the cgroups its builds ran in.
#
# Run as a command:
#   REGISTRY=127.0.0.1:5000 build/docker/buildkitd.sh buildctl build ...
# or sourced, for several builds in one daemon (stop it in your EXIT trap):
#   source build/docker/buildkitd.sh; buildkitd_start; ...; buildkitd_stop
# env: REGISTRY (optional); BUILDKITD_LOG (optional: keep the daemon's log
# there; its end is printed on a failure either way)

# buildkitd_start starts a daemon and exports BUILDKIT_HOST.
buildkitd_start() {
  local repo runc version sock
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  [[ -z ${buildkitd_pid:-} ]] || { _buildkitd_say "already running (pid $buildkitd_pid)"; return 1; }
  [[ $(id -u) -eq 0 ]] || { _buildkitd_say "needs root: buildkitd runs rootful here (overlay mounts, runc)"; return 1; }
  local registry=${REGISTRY:-}
  if [[ -n $registry && ! $registry =~ ^127\.0\.0\.1:[0-9]{1,5}$ ]]; then
    _buildkitd_say "REGISTRY=$registry: plain HTTP is for a throw-away registry on 127.0.0.1:PORT only"
    return 1
  fi
  "$repo/build/tools/apt-install.sh" runc
  "$repo/build/tools/install.sh" buildkitd buildctl >&2
  _buildkitd_ctl=$(readlink -f "$repo/build/.bin/buildctl")
  runc=$(command -v runc)
  version=$(go version -m "$repo/build/.bin/buildkitd" | awk '$1 == "mod" {print $3}')

  buildkitd_dir=$(mktemp -d "${TMPDIR:-/tmp}/buildkitd.XXXXXX")
  mkdir -p "$buildkitd_dir/root" "$buildkitd_dir/tmp"
  {
    echo "# written by build/docker/buildkitd.sh for one daemon"
    echo "[worker.oci]"
    echo "  enabled = true"
    echo "  binary = \"$runc\""
    # The daemon is short-lived and its root deleted after it.
    echo "  gc = false"
    # RUN steps share the host's network, as under Docker: go mod download
    # reaches the Go module proxy (and checks what it gets against go.sum).
    echo "  networkMode = \"host\""
    # runc puts each RUN in <hierarchy>/<this>/buildkit/<id>: cgroups of this
    # daemon's own, removed with it.
    echo "  defaultCgroupParent = \"$(basename "$buildkitd_dir")\""
    echo "[worker.containerd]"
    echo "  enabled = false"
    if [[ -n $registry ]]; then
      echo "[registry.\"$registry\"]"
      echo "  http = true"
      echo "  insecure = true"
    fi
  } >"$buildkitd_dir/buildkitd.toml"

  sock=$buildkitd_dir/buildkitd.sock
  _buildkitd_say "starting buildkitd $version in $buildkitd_dir: OCI worker ($runc), containerd worker off, empty --root${registry:+, plain HTTP to $registry}"
  # TMPDIR: the mounts buildkitd makes for file operations land under its
  # directory too, where stopping it looks for them.
  TMPDIR=$buildkitd_dir/tmp "$repo/build/.bin/buildkitd" --config "$buildkitd_dir/buildkitd.toml" \
    --root "$buildkitd_dir/root" --addr "unix://$sock" --oci-worker=true --containerd-worker=false \
    >"$buildkitd_dir/buildkitd.log" 2>&1 &
  buildkitd_pid=$!
  local _
  for _ in $(seq 300); do
    kill -0 "$buildkitd_pid" 2>/dev/null || { _buildkitd_say "buildkitd exited"; tail -n 30 "$buildkitd_dir/buildkitd.log" >&2; return 1; }
    "$_buildkitd_ctl" --addr "unix://$sock" debug workers >/dev/null 2>&1 && break
    sleep 0.1
  done
  "$_buildkitd_ctl" --addr "unix://$sock" debug workers >/dev/null || { _buildkitd_say "buildkitd does not answer on $sock"; return 1; }
  export BUILDKIT_HOST=unix://$sock
  _buildkitd_say "ready: BUILDKIT_HOST=$BUILDKIT_HOST"
}

# buildkitd_stop [STATUS] stops the daemon and removes all it made; with a
# non-zero STATUS it prints the end of the daemon's log. Safe to call twice.
buildkitd_stop() {
  local status=${1:-0} m dir
  [[ -n ${buildkitd_dir:-} ]] || return 0
  if [[ -n ${buildkitd_pid:-} ]] && kill -0 "$buildkitd_pid" 2>/dev/null; then
    _buildkitd_say "stopping buildkitd (pid $buildkitd_pid)"
    kill -TERM "$buildkitd_pid" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$buildkitd_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$buildkitd_pid" 2>/dev/null; then
      _buildkitd_say "buildkitd did not stop in 20 s: SIGKILL"
      kill -KILL "$buildkitd_pid" 2>/dev/null || true
    fi
    wait "$buildkitd_pid" 2>/dev/null || true
  fi
  if [[ -f $buildkitd_dir/buildkitd.log ]]; then
    if ((status != 0)); then
      _buildkitd_say "the last lines of buildkitd's log:"
      tail -n 30 "$buildkitd_dir/buildkitd.log" >&2
    fi
    [[ -z ${BUILDKITD_LOG:-} ]] || cp "$buildkitd_dir/buildkitd.log" "$BUILDKITD_LOG"
  fi
  # What a killed daemon leaves mounted (snapshots, cache mounts, a RUN's
  # root filesystem), deepest first.
  while IFS= read -r m; do
    _buildkitd_say "unmounting $m"
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done < <(findmnt -rn -o TARGET | grep -F "$buildkitd_dir/" | sort -r)
  rm -rf --one-file-system "$buildkitd_dir"
  for dir in /sys/fs/cgroup/"$(basename "$buildkitd_dir")" /sys/fs/cgroup/*/"$(basename "$buildkitd_dir")"; do
    [[ ! -d $dir ]] || find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  _buildkitd_say "removed $buildkitd_dir"
  buildkitd_pid="" buildkitd_dir=""
  unset BUILDKIT_HOST
}

_buildkitd_say() { echo "buildkitd.sh: $*" >&2; }

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  : "${1:?usage: build/docker/buildkitd.sh COMMAND [ARG...]}"
  trap 'buildkitd_stop $?' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  buildkitd_start
  _buildkitd_say "running: $*"
  "$@"
fi
