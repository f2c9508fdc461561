#!/usr/bin/env bash
# Makes `docker buildx build` work: uses the Docker Engine that answers, or,
# as root on Debian, installs docker.io from Debian's packages and starts
# dockerd; then installs the pinned buildx plugin when the client lacks it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
state=${PRODUCT_CATALOG_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog}
mkdir -p "$state"

if ! docker info >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
    echo "ensure-docker.sh: no Docker Engine answers; start one (this script installs one only as root on Debian)" >&2
    exit 1
  fi
  if ! dpkg -s docker.io busybox-static >/dev/null 2>&1; then
    echo "ensure-docker.sh: installing docker.io and busybox-static from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "ensure-docker.sh: starting dockerd (log: $state/dockerd.log)"
    nohup dockerd >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    docker info >/dev/null 2>&1 || { tail -20 "$state/dockerd.log" >&2; exit 1; }
  fi
fi

if ! docker buildx version >/dev/null 2>&1; then
  echo "ensure-docker.sh: installing the pinned buildx plugin"
  "$repo/build/tools/install.sh" buildx
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$(readlink -f "$repo/build/.bin/buildx")" "$HOME/.docker/cli-plugins/docker-buildx"
fi
echo "ensure-docker.sh: $(docker version --format 'engine {{.Server.Version}}'), $(docker buildx version)"
