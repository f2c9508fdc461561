#!/usr/bin/env bash
# A real, single-node Kubernetes on this machine, offline, for build/k8s/test.sh:
# Debian's etcd and containerd, and kube-apiserver, kube-controller-manager,
# kube-scheduler and kubelet v1.31.14 built by build/tools/install.sh.
# Sourced, it defines cluster_up and cluster_down; nothing runs until they
# are called.
#
# The node changes the host: the kubelet adds iptables chains (KUBE-*) and
# cgroups (kubepods), and sets kernel.panic, kernel.panic_on_oops and
# vm.overcommit_memory; the CNI bridge adds an interface, and each pod a
# veth and a network namespace. cluster_up records the host's settings
# first; cluster_down (call it from an EXIT trap) removes everything the
# cluster made and restores the settings, whichever step failed.

# k8s_log NAME: the log file of one component.
k8s_log() { echo "$K8S_STATE/log/$1.log"; }

# k8s_free_port prints a free port on 127.0.0.1.
k8s_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# k8s_start NAME COMMAND...: a component in the background, its pid kept.
k8s_start() {
  local name=$1
  shift
  echo "cluster.sh: starting $name (log: $(k8s_log "$name"))" >&2
  "$@" >"$(k8s_log "$name")" 2>&1 &
  echo "$!" >"$K8S_STATE/pids/$name"
}

# k8s_wait WHAT SECONDS COMMAND...: until COMMAND succeeds, or fail naming WHAT.
k8s_wait() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cluster.sh: $what not ready after ${seconds}s" >&2
  return 1
}

# k8s_pause_image TAR: the sandbox (pause) image PAUSE_IMAGE, a static C
# program in one layer (no registry to pull one from), saved to TAR for
# containerd. The caller removes PAUSE_IMAGE from Docker when done.
k8s_pause_image() {
  : "${PAUSE_IMAGE:?set PAUSE_IMAGE to the name of the sandbox image}"
  local tar=$1 dir
  dir=$(mktemp -d)
  echo "cluster.sh: building the sandbox image $PAUSE_IMAGE" >&2
  cat >"$dir/pause.c" <<'EOF'
#include <signal.h>
#include <unistd.h>
static void done(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGINT, done);
  signal(SIGTERM, done);
  for (;;) pause();
}
EOF
  gcc -static -Os -o "$dir/pause" "$dir/pause.c"
  tar --mtime=@0 --owner=0 --group=0 -C "$dir" -cf "$dir/layer.tar" pause
  docker import --change 'ENTRYPOINT ["/pause"]' "$dir/layer.tar" "$PAUSE_IMAGE" >/dev/null
  docker save "$PAUSE_IMAGE" -o "$tar"
  rm -rf "$dir"
}

# kube_chains lists the iptables chains named KUBE-*, once each.
kube_chains() { iptables-save | { grep -oE '^:KUBE-[A-Z0-9-]+' || true; } | tr -d : | sort -u; }

# The sysctls the kubelet sets, and where the host's values are kept.
k8s_sysctls=(kernel.panic kernel.panic_on_oops vm.overcommit_memory)

cluster_up() {
  : "${K8S_STATE:?set K8S_STATE to an empty directory for the cluster}"
  : "${K8S_BIN:?set K8S_BIN to the directory holding the Kubernetes binaries}"
  : "${PAUSE_IMAGE:?set PAUSE_IMAGE to the name of the sandbox image}"
  # cluster_down removes the kubelet's cgroups and kills what is left in
  # them: only safe when no other kubelet made them.
  if compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null || [[ -e /sys/fs/cgroup/kubepods ]]; then
    echo "cluster.sh: kubepods cgroups exist already: another kubelet runs on this host; stop it first" >&2
    return 1
  fi
  mkdir -p "$K8S_STATE"/{log,pids,pki,etcd,containerd,cni,cni-ipam,kubelet}
  local s
  for s in "${k8s_sysctls[@]}"; do sysctl -n "$s" >"$K8S_STATE/sysctl.$s"; done
  kube_chains >"$K8S_STATE/iptables-chains-before"
  touch "$K8S_STATE/up"

  local etcd_port etcd_peer api_port token
  etcd_port=$(k8s_free_port) etcd_peer=$(k8s_free_port) api_port=$(k8s_free_port)
  token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "$token,admin,admin,system:masters" >"$K8S_STATE/pki/tokens.csv"
  openssl genrsa -out "$K8S_STATE/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$K8S_STATE/pki/sa.key" -pubout -out "$K8S_STATE/pki/sa.pub" 2>/dev/null

  k8s_start etcd etcd --name pc --data-dir "$K8S_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "pc=http://127.0.0.1:$etcd_peer"
  k8s_wait etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  # --endpoint-reconciler-type=none: otherwise the API server loops on
  # "127.0.0.1 may not be in the loopback range" for its own Service.
  k8s_start kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$api_port" --cert-dir "$K8S_STATE/pki/apiserver" --token-auth-file "$K8S_STATE/pki/tokens.csv" \
    --authorization-mode RBAC --service-account-key-file "$K8S_STATE/pki/sa.pub" \
    --service-account-signing-key-file "$K8S_STATE/pki/sa.key" --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none
  export KUBECONFIG=$K8S_STATE/kubeconfig
  "$K8S_BIN/kubectl" config set-cluster pc --server "https://127.0.0.1:$api_port" --insecure-skip-tls-verify=true >/dev/null
  "$K8S_BIN/kubectl" config set-credentials admin --token "$token" >/dev/null
  "$K8S_BIN/kubectl" config set-context pc --cluster pc --user admin >/dev/null
  "$K8S_BIN/kubectl" config use-context pc >/dev/null
  k8s_wait kube-apiserver 60 "$K8S_BIN/kubectl" get --raw /readyz

  k8s_start kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig "$KUBECONFIG" \
    --leader-elect=false --secure-port 0 --service-account-private-key-file "$K8S_STATE/pki/sa.key" \
    --use-service-account-credentials=false
  k8s_start kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig "$KUBECONFIG" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port "$(k8s_free_port)"

  # containerd of our own (root, state, socket), beside Docker's.
  cat >"$K8S_STATE/cni/10-product-catalog.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "product-catalog", "plugins": [
  {"type": "bridge", "bridge": "pc-cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.77.0/24"}]], "dataDir": "$K8S_STATE/cni-ipam"}}]}
EOF
  # restrict_oom_score_adj: this VM lacks CAP_SYS_RESOURCE, and without it
  # every sandbox fails ("can't get final child's PID from pipe: EOF").
  cat >"$K8S_STATE/containerd.toml" <<EOF
version = 2
root = "$K8S_STATE/containerd/root"
state = "$K8S_STATE/containerd/state"
disabled_plugins = []
[grpc]
  address = "$K8S_STATE/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K8S_STATE/cni"
EOF
  k8s_start containerd containerd --config "$K8S_STATE/containerd.toml"
  k8s_wait containerd 30 ctr --address "$K8S_STATE/containerd.sock" version
}

# k8s_ctr: ctr on the cluster's containerd, in the namespace the CRI uses.
k8s_ctr() { ctr --address "$K8S_STATE/containerd.sock" -n k8s.io "$@"; }

# node_up starts the kubelet, once the images it needs are imported.
node_up() {
  # syncFrequency 2s: a ConfigMap edit reaches the pods' volumes within
  # seconds (the default is a minute), so the reload test is quick.
  cat >"$K8S_STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$K8S_STATE/containerd.sock
failSwapOn: false
address: 127.0.0.1
port: $(k8s_free_port)
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $(k8s_free_port)
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
authorization:
  mode: AlwaysAllow
syncFrequency: 2s
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
EOF
  k8s_start kubelet "$K8S_BIN/kubelet" --config "$K8S_STATE/kubelet.yaml" --kubeconfig "$KUBECONFIG" \
    --hostname-override pc-node --root-dir "$K8S_STATE/kubelet" --cert-dir "$K8S_STATE/kubelet/pki"
  k8s_wait "the node" 90 "$K8S_BIN/kubectl" wait --for condition=Ready node/pc-node --timeout 1s
}

# cluster_down stops every component, removes what the node made on the
# host and restores the sysctls; safe to call after any failure, and twice.
cluster_down() {
  [[ -n ${K8S_STATE:-} && -e $K8S_STATE/up ]] || return 0
  echo "cluster.sh: stopping the cluster and restoring the host" >&2
  # Every step runs whatever the one before it found (a grep that matches
  # nothing must not end the cleanup under errexit and pipefail).
  local errexit=$- name pid s chain
  set +e
  # stop NAME: one component, and wait until it is gone.
  stop() {
    [[ -e $K8S_STATE/pids/$1 ]] || return 0
    pid=$(cat "$K8S_STATE/pids/$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$K8S_STATE/pids/$1"
  }
  # The kubelet first, so that it starts no sandbox while the pods go; then
  # the pods, so containerd tears their sandboxes (netns, veth) down.
  stop kubelet
  if [[ -e $K8S_STATE/containerd.sock ]]; then
    k8s_ctr tasks ls -q 2>/dev/null | while read -r pid; do k8s_ctr tasks kill -s SIGKILL "$pid" >/dev/null 2>&1 || true; done
  fi
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do stop "$name"; done
  # containerd-shim processes of this containerd outlive it.
  pkill -9 -f "containerd-shim.*$K8S_STATE" 2>/dev/null || true
  # Whatever still runs in the kubelet's cgroups (cluster_up made sure no
  # other kubelet made them) is a container of ours whose shim is gone.
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $root ]] || continue
    find "$root" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done
  done
  # Mounts under the state directory (kubelet volumes, containerd snapshots).
  awk -v dir="$K8S_STATE/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  for netns in /var/run/netns/cni-*; do
    if [[ -e $netns ]]; then ip netns delete "$(basename "$netns")" 2>/dev/null || true; fi
  done
  ip link delete pc-cni0 2>/dev/null || true
  # The kubelet's cgroups, in every hierarchy, once the processes killed
  # above have left them.
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $root ]] || continue
    for _ in $(seq 50); do
      find "$root" -depth -type d -exec rmdir {} + 2>/dev/null && break
      sleep 0.1
    done
  done
  # The kubelet's iptables chains: rules jumping to them, then the chains.
  for chain in $(kube_chains | comm -23 - "$K8S_STATE/iptables-chains-before"); do
    for table in filter nat mangle; do
      iptables -t "$table" -S 2>/dev/null | grep -E "^-A [A-Z]+ .*-j $chain( |\$)" | sed 's/^-A/-D/' | while read -r rule; do
        read -ra args <<<"$rule"
        iptables -t "$table" "${args[@]}" 2>/dev/null || true
      done
      iptables -t "$table" -F "$chain" 2>/dev/null || true
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  for s in "${k8s_sysctls[@]}"; do
    [[ -e $K8S_STATE/sysctl.$s ]] && sysctl -qw "$s=$(cat "$K8S_STATE/sysctl.$s")"
  done
  rm -f "$K8S_STATE/up"
  [[ $errexit != *e* ]] || set -e
}

# host_restored: the sysctls and iptables chains are as cluster_up found
# them, the bridge and the kubelet's cgroups gone. Prints what is not.
host_restored() {
  local s bad=0
  for s in "${k8s_sysctls[@]}"; do
    if [[ $(sysctl -n "$s") != "$(cat "$K8S_STATE/sysctl.$s")" ]]; then
      echo "sysctl $s is $(sysctl -n "$s"), was $(cat "$K8S_STATE/sysctl.$s")"
      bad=1
    fi
  done
  if ! kube_chains | cmp -s - "$K8S_STATE/iptables-chains-before"; then
    echo "iptables chains left: $(kube_chains | comm -23 - "$K8S_STATE/iptables-chains-before" | tr '\n' ' ')"
    bad=1
  fi
  if ip link show pc-cni0 >/dev/null 2>&1; then echo "the bridge pc-cni0 is still there"; bad=1; fi
  if compgen -G '/sys/fs/cgroup/*/kubepods' >/dev/null; then echo "kubepods cgroups are still there"; bad=1; fi
  return "$bad"
}
