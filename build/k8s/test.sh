#!/usr/bin/env bash
# Deploys deploy/ to a real Kubernetes built and started here
# (build/k8s/cluster.sh), as a platform team would, and checks it:
#   1. both overlays pin the image by digest; a bare tag fails;
#   2. every object of both overlays passes the API server's server-side
#      dry-run, and the namespace's restricted Pod Security Standard makes
#      the API server refuse a pod that runs as root, lacks seccomp or may
#      escalate privileges;
#   3. both images (imported into containerd, no registry) run as the
#      Deployment: pods become Ready through the probes and serve the
#      ConfigMap's catalog, REST and gRPC, by pod IP;
#   4. a ConfigMap edit made through the API reaches every pod, within the
#      kubelet's sync plus the reload interval;
#   5. a rolling restart under load, through a balancer that follows the
#      Service's endpoints (build/k8s/lbload), loses no request;
#   6. a node the pods cannot run on (tainted, as a control plane is) does
#      not hold the spread over nodes back; without nodeTaintsPolicy: Honor
#      it does.
# The node changes host settings; cluster.sh records and restores them and
# removes what it made on every exit path (README, "Deploy to Kubernetes").
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
out=${OUT:-$repo/.out}/k8s
mkdir -p "$out"
say() { echo "k8s/test.sh: $*"; }
die() { echo "k8s/test.sh: FAIL: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "a node needs root (containerd, cgroups, iptables)"
start_time=$(date +%s)

build/tools/apt-install.sh etcd-server containerd runc containernetworking-plugins iptables gcc jq
build/tools/install.sh kubernetes ko crane grpcurl >&2
build/docker/ensure-docker.sh >&2
export K8S_BIN=$repo/build/.bin
kubectl() { "$K8S_BIN/kubectl" "$@"; }

work=$(mktemp -d)
export K8S_STATE=$work/cluster
# shellcheck source=build/k8s/cluster.sh
source build/k8s/cluster.sh
# shellcheck source=build/k8s/lib.sh
source build/k8s/lib.sh
registry_pid=""
cleanup() {
  [[ -z $registry_pid ]] || kill "$registry_pid" 2>/dev/null || true
  cluster_down || true
  # The images this run made in Docker (their tarballs are in $work).
  docker rmi product-catalog.local/product-catalog:k8s product-catalog.local/pause:3.10 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- The images, as tarballs for containerd. ---
export PAUSE_IMAGE=product-catalog.local/pause:3.10
k8s_pause_image "$work/pause.tar"

say "building the Dockerfile image (stand-in bases)"
eval "$(build/docker/standin-images.sh)"
dockerfile_ref=product-catalog.local/product-catalog:k8s
docker buildx build --load --build-arg GO_IMAGE="$GO_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
  --build-arg VERSION=k8s -t "$dockerfile_ref" . >"$out/build-dockerfile.log" 2>&1 ||
  { tail -20 "$out/build-dockerfile.log"; die "docker buildx build"; }
docker save "$dockerfile_ref" -o "$work/dockerfile.tar"

say "building the ko image (distroless stand-in)"
eval "$(build/docker/registry.sh)"
registry_pid=${REGISTRY_PID:?registry.sh named no pid}
eval "$(REGISTRY=$REGISTRY build/docker/distroless-standin.sh)"
KO_DOCKER_REPO=product-catalog.local/product-catalog-ko KO_DEFAULTBASEIMAGE=$KO_DEFAULTBASEIMAGE VERSION=k8s GOTOOLCHAIN=$(build/release-go.sh) \
  "$K8S_BIN/ko" build --bare --tags k8s --platform linux/amd64 --push=false --tarball "$work/ko.tar" . \
  >"$out/build-ko.log" 2>&1 || { tail -20 "$out/build-ko.log"; die "ko build"; }

# --- The cluster. ---
say "starting etcd, the control plane and containerd"
cluster_up
# import FILE: an image into containerd; prints name@digest, the reference
# the overlays pin. The digest-form name is tagged too: the CRI finds an
# image by digest only under such a name.
import() {
  local name digest
  k8s_ctr images import "$1" >/dev/null
  name=$(tar -xOf "$1" manifest.json | jq -r '.[0].RepoTags[0]')
  digest=$(k8s_ctr images ls | awk -v n="$name" '$1 == n {print $3}')
  [[ $digest == sha256:* ]] || die "containerd has no digest for $name"
  k8s_ctr images tag "$name" "${name%:*}@$digest" >/dev/null
  echo "${name%:*}@$digest"
}
import "$work/pause.tar" >/dev/null
dockerfile_image=$(import "$work/dockerfile.tar")
ko_image=$(import "$work/ko.tar")
say "images in containerd: $dockerfile_image, $ko_image"
say "starting the kubelet"
node_up
say "cluster up in $(($(date +%s) - start_time)) s since the start of this test"

# --- 1. Rendering, pinned by digest. ---
# pinned_by_digest FILE: every image of the rendered objects is name@sha256:<64 hex>.
pinned_by_digest() {
  local images bad
  images=$(grep -E '^\s+image: ' "$1" | awk '{print $2}')
  [[ -n $images ]] || { echo "no image in $1"; return 1; }
  bad=$(grep -vE '^[a-z0-9./_-]+@sha256:[0-9a-f]{64}$' <<<"$images" || true)
  [[ -z $bad ]] || { echo "not pinned by digest: $bad"; return 1; }
}
for overlay in dockerfile ko; do
  render "$overlay" >"$out/$overlay.yaml"
  pinned_by_digest "$out/$overlay.yaml" >&2 || die "deploy/overlays/$overlay does not pin its image by digest"
done
cp -r deploy "$work/tagged"
sed -i -e 's#digest: .*#newTag: latest#' "$work/tagged/overlays/ko/kustomization.yaml"
kubectl kustomize "$work/tagged/overlays/ko" >"$work/tagged.yaml"
pinned_by_digest "$work/tagged.yaml" >/dev/null && die "an overlay with a bare tag passed the digest check"
say "ok: both overlays pin their image by digest; a bare tag is refused"
diff -r products deploy/base/catalog >/dev/null || die "deploy/base/catalog differs from products/: copy products/*.json there"
say "ok: the ConfigMap's catalog is the repository's"

# --- 2. The API server's own checks. ---
# The namespace and the service account first, for real: a dry run of
# what lives in the one, or runs as the other, needs them.
kubectl apply -f deploy/base/namespace.yaml >/dev/null
kubectl -n product-catalog apply -f deploy/base/serviceaccount.yaml >/dev/null
for overlay in dockerfile ko; do
  kubectl apply --dry-run=server -f "$out/$overlay.yaml" >"$out/dry-run-$overlay.txt" 2>&1 ||
    { cat "$out/dry-run-$overlay.txt"; die "the API server refused deploy/overlays/$overlay in a dry run"; }
done
say "ok: the API server takes every object of both overlays (server-side dry run)"
# A pod built from the Deployment's template, then broken one way each.
kubectl apply --dry-run=client -o json -f "$out/ko.yaml" |
  jq '.items[] | select(.kind == "Deployment") | {apiVersion: "v1", kind: "Pod",
    metadata: {name: "pss-probe", namespace: .metadata.namespace}, spec: .spec.template.spec}' >"$work/pod.json"
out_pod=$(kubectl apply --dry-run=server -f "$work/pod.json" 2>&1) || die "the API server refused the Deployment's own pod: $out_pod"
for case in \
  "runs as root|.spec.securityContext.runAsNonRoot = false | .spec.securityContext.runAsUser = 0" \
  "has no seccomp profile|del(.spec.securityContext.seccompProfile)" \
  "may escalate privileges|.spec.containers[0].securityContext.allowPrivilegeEscalation = true" \
  "keeps its capabilities|del(.spec.containers[0].securityContext.capabilities)"; do
  IFS='|' read -r what filter <<<"$case"
  jq "$filter" "$work/pod.json" >"$work/bad-pod.json"
  if refusal=$(kubectl apply --dry-run=server -f "$work/bad-pod.json" 2>&1); then
    die "the API server admitted a pod that $what"
  fi
  grep 'violates PodSecurity "restricted' <<<"$refusal" >/dev/null || die "a pod that $what was refused, but not by Pod Security: $refusal"
  say "ok: the API server refuses a pod that $what (restricted Pod Security Standard)"
done

# --- 3-6. Real pods, for each image. ---
namespace=product-catalog
# A node the pods cannot run on, as a control plane is: tainted, and never
# Ready (it has no kubelet). Counted as an empty domain of the spread over
# nodes, it would cap the one real node at one pod.
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: tainted-control-plane
  labels:
    kubernetes.io/hostname: tainted-control-plane
    node-role.kubernetes.io/control-plane: ""
spec:
  taints:
    - key: node-role.kubernetes.io/control-plane
      effect: NoSchedule
EOF
# delete_deployment: the Deployment, and its pods once they are gone.
delete_deployment() {
  kubectl -n "$namespace" delete deploy/product-catalog --wait=true --timeout 60s >/dev/null
  kubectl -n "$namespace" wait --for=delete pod -l app.kubernetes.io/name=product-catalog --timeout 60s >/dev/null
}
pods_ips() { kubectl -n "$namespace" get pods -l app.kubernetes.io/name=product-catalog --field-selector status.phase=Running -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}'; }
token=$(cut -d, -f1 "$K8S_STATE/pki/tokens.csv")
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
go build -o "$work/lbload" ./build/k8s/lbload
for overlay in dockerfile ko; do
  image=$dockerfile_image
  [[ $overlay == ko ]] && image=$ko_image
  render "$overlay" "$image" >"$work/$overlay-local.yaml"
  if [[ $overlay == dockerfile ]]; then
    # 6. The control: without nodeTaintsPolicy: Honor the tainted node
    # counts, and the scheduler leaves pods Pending.
    grep -v 'nodeTaintsPolicy: Honor' "$work/$overlay-local.yaml" >"$work/ignore-taints.yaml"
    kubectl apply -f "$work/ignore-taints.yaml" >/dev/null
    deadline=$((SECONDS + 30))
    until pending=$(kubectl -n "$namespace" get pods -l app.kubernetes.io/name=product-catalog -o json |
      jq -r '.items[].status.conditions[]? | select(.type == "PodScheduled" and .reason == "Unschedulable") | .message' | head -1) &&
      [[ -n $pending ]]; do
      ((SECONDS < deadline)) || die "without nodeTaintsPolicy: Honor every pod was scheduled: the tainted node does not show what Honor is for"
      sleep 0.5
    done
    grep -q 'topology spread' <<<"$pending" || die "a pod is Pending, but not for the spread: $pending"
    say "ok (control): without nodeTaintsPolicy: Honor a tainted node holds pods back: $pending"
    delete_deployment
  fi
  kubectl apply -f "$work/$overlay-local.yaml" >/dev/null
  rollout_start=$(date +%s.%N)
  kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null ||
    { kubectl -n "$namespace" get pods -o wide; die "the $overlay image's Deployment did not become available"; }
  say "ok ($overlay): 3 pods Ready through their probes, beside a tainted node, in $(printf '%.1f' "$(echo "$(date +%s.%N) - $rollout_start" | bc)") s"
  want_total=$(cat products/*.json | grep -c '"id":')
  mapfile -t ips < <(pods_ips)
  [[ ${#ips[@]} == 3 ]] || die "$overlay: ${#ips[@]} running pods, want 3"
  for ip in "${ips[@]}"; do
    got=$(curl -fsS "http://$ip:8088/products" | jq .total) || die "$overlay: GET /products from pod $ip"
    [[ $got == "$want_total" ]] || die "$overlay: pod $ip serves $got products, want the ConfigMap's $want_total"
    "$K8S_BIN/grpcurl" -plaintext "$ip:8088" grpc.health.v1.Health/Check | grep -q SERVING || die "$overlay: gRPC health of pod $ip"
  done
  say "ok ($overlay): every pod serves the ConfigMap's $want_total products over REST, and gRPC health is SERVING"

  # 4. An edit through the API, seen by every pod.
  id=$(edited_id)
  name="Edited through the API ($overlay)"
  edit_catalog "$name"
  edited=$(date +%s.%N)
  # The kubelet writes the volume within its sync period (2 s here), the
  # service reloads within PRODUCT_CATALOG_RELOAD_INTERVAL (2 s): 10 s is
  # twice that, with room for a busy machine.
  for ip in "${ips[@]}"; do
    until curl -fsS "http://$ip:8088/products/$id" | grep -qF "$name"; do
      (($(echo "$(date +%s.%N) - $edited < 10" | bc))) || die "$overlay: pod $ip still serves the old catalog 10 s after the ConfigMap edit"
      sleep 0.2
    done
  done
  say "ok ($overlay): the ConfigMap edit reached all 3 pods in $(printf '%.1f' "$(echo "$(date +%s.%N) - $edited" | bc)") s (kubelet sync 2 s + reload interval 2 s)"
  kubectl apply -f "$work/$overlay-local.yaml" >/dev/null # the catalog as committed

  # 5. A rolling restart under load.
  LBLOAD_TOKEN=$token "$work/lbload" -server "$server" -duration 25s -workers 4 >"$out/lbload-$overlay.txt" 2>&1 &
  load_pid=$!
  kubectl -n "$namespace" rollout restart deploy/product-catalog >/dev/null
  kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null || die "$overlay: the rolling restart did not finish"
  wait "$load_pid" || { tail -20 "$out/lbload-$overlay.txt"; die "$overlay: requests failed during the rolling restart"; }
  say "ok ($overlay): rolling restart under load: $(tail -1 "$out/lbload-$overlay.txt" | sed 's/^lbload: //')"
  if [[ $overlay == dockerfile ]]; then
    # The control: without the drain the same restart loses requests, so
    # the zero above is the drain's doing, not the load's luck.
    kubectl -n "$namespace" set env deploy/product-catalog SHUTDOWN_DRAIN=0s >/dev/null
    kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null
    LBLOAD_TOKEN=$token "$work/lbload" -server "$server" -duration 25s -workers 4 >"$out/lbload-no-drain.txt" 2>&1 &
    load_pid=$!
    kubectl -n "$namespace" rollout restart deploy/product-catalog >/dev/null
    kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null
    wait "$load_pid" && die "with SHUTDOWN_DRAIN=0 the rolling restart lost no request either: the load cannot tell"
    say "ok (control): with SHUTDOWN_DRAIN=0 the same restart loses requests: $(tail -1 "$out/lbload-no-drain.txt" | sed 's/^lbload: //')"
  fi
  delete_deployment
done
kubectl delete namespace "$namespace" --wait=true --timeout 120s >/dev/null
cluster_down
host_restored || die "the host is not as the cluster found it"
say "ok: the cluster is gone and the host restored (sysctls, iptables chains, bridge, cgroups)"
say "PASS in $(($(date +%s) - start_time)) s"
