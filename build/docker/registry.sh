#!/usr/bin/env bash
# Starts a throw-away OCI registry (crane's, in memory) on 127.0.0.1 and
# prints REGISTRY=127.0.0.1:<port> and REGISTRY_PID=<pid> for eval. Docker,
# ko, crane and cosign all talk plain HTTP to 127.0.0.0/8 registries.
#   eval "$(build/docker/registry.sh)"; ...; kill "$REGISTRY_PID"
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$repo/build/tools/install.sh" crane >&2
crane=$repo/build/.bin/crane
state=${PRODUCT_CATALOG_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/product-catalog}
mkdir -p "$state"

port=${REGISTRY_PORT:-}
if [[ -z $port ]]; then
  # The first free port from 5000: Docker's default insecure range covers any.
  for port in $(seq 5000 5100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
fi
log="$state/registry-$port.log"
echo "registry.sh: crane registry serve --address 127.0.0.1:$port (log: $log)" >&2
nohup "$crane" registry serve --address "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  "$crane" catalog "127.0.0.1:$port" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
"$crane" catalog "127.0.0.1:$port" >/dev/null || { echo "registry.sh: the registry does not answer" >&2; exit 1; }
echo "REGISTRY=127.0.0.1:$port REGISTRY_PID=$pid"
