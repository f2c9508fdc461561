#!/usr/bin/env bash
# Installs Debian packages the tests need when they are missing: as root on
# Debian only; elsewhere it names what to install.
# usage: build/tools/apt-install.sh PACKAGE...
set -euo pipefail
: "${1:?usage: apt-install.sh PACKAGE...}"
missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} > 0)) || exit 0
if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
  echo "apt-install.sh: install ${missing[*]} (this script installs only as root on Debian)" >&2
  exit 1
fi
echo "apt-install.sh: installing ${missing[*]} from Debian" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
