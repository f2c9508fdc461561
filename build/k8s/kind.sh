#!/usr/bin/env bash
# The hosted workflow's Kubernetes test (.github/workflows/ci.yml, job
# kubernetes), after the release has pushed, signed and verified both
# images: what make test-k8s proves on the cluster built here, on kind,
# with the images pulled from ghcr.io and admitted by the sigstore
# policy-controller's webhook under policy/admission/cip-keyless.yaml:
#   1. the policy-controller's chart (pinned) runs the version make
#      test-supply-chain's tester runs;
#   2. the webhook admits a pod of each signed image, and refuses an image
#      of our repository that nobody signed and an image no policy names;
#   3. each overlay, pinned to its signed digest, is admitted and its 3
#      pods, one per worker, run that digest, become Ready and serve the
#      ConfigMap's catalog;
#   4. under load from a client pod through the Service (kube-proxy), a
#      rolling restart and then a ConfigMap edit through the API lose no
#      request, and the edit reaches every pod;
#   5. a policy naming another signer identity refuses the signed image.
# The load does not go through a port-forward: a port-forward is bound to
# one pod, so a rolling restart cuts it by design. The per-pod checks do
# use port-forwards, which the NetworkPolicy does not see.
#
# usage: DOCKERFILE_IMAGE=name@sha256:... KO_IMAGE=name@sha256:...
#        REGISTRY_USER=... REGISTRY_TOKEN=... [LOAD_SECONDS=120] build/k8s/kind.sh
#        (Docker logged in to ghcr.io, for crane; LOAD_SECONDS must cover a
#        rolling restart and a ConfigMap edit reaching every pod)
set -euo pipefail
: "${DOCKERFILE_IMAGE:?the Dockerfile image the release signed, name@sha256:...}"
: "${KO_IMAGE:?the ko image the release signed, name@sha256:...}"
: "${REGISTRY_USER:?a user that may read both images on ghcr.io}"
: "${REGISTRY_TOKEN:?a token of REGISTRY_USER with packages: read}"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
out=${OUT:-$repo/.out}/kind
mkdir -p "$out"
say() { echo "k8s/kind.sh: $*"; }
die() { echo "k8s/kind.sh: FAIL: $*" >&2; exit 1; }
start_time=$(date +%s)

# kind v0.29.0's release notes pair it with this node image. kind enforces
# NetworkPolicy (kindnet) since v0.24.0; releases before spring 2025 let a
# policy like ours, which denies all egress, block the kubelet's probes
# (kubernetes-sigs/kube-network-policies#150).
node_image=kindest/node:v1.31.9@sha256:b94a3a6c06198d17f59cca8c6f486236fa05e2fb359cbd75dabbfc348a10b211
chart=oci://ghcr.io/sigstore/helm-charts/policy-controller
chart_version=0.10.5
webhook_repository=ghcr.io/sigstore/policy-controller/policy-controller
# The tester of make test-supply-chain, and so the webhook here.
policy_controller_version=$(sed -n 's/^policy_controller_version=//p' build/tools/install.sh)
: "${policy_controller_version:?build/tools/install.sh names no policy_controller_version}"
cluster=product-catalog
namespace=product-catalog
load_namespace=product-catalog-load
# Covers a rolling restart of 3 pods and a ConfigMap edit reaching them.
load_seconds=${LOAD_SECONDS:-120}
[[ $load_seconds =~ ^[1-9][0-9]*$ ]] || die "LOAD_SECONDS=$load_seconds: want a whole number of seconds"

for image in "$DOCKERFILE_IMAGE" "$KO_IMAGE"; do
  [[ $image =~ ^ghcr\.io/[a-z0-9./_-]+@sha256:[0-9a-f]{64}$ ]] || die "$image is not ghcr.io/NAME@sha256:<64 hex>"
done

build/tools/install.sh kind helm kubectl crane ko >&2
PATH=$repo/build/.bin:$PATH
# shellcheck source=build/k8s/lib.sh
source build/k8s/lib.sh
work=$(mktemp -d)
export KUBECONFIG=$work/kubeconfig
# The port-forwards running now (forward, below).
forwards=()
unforward() {
  ((${#forwards[@]} == 0)) || kill "${forwards[@]}" 2>/dev/null || true
  forwards=()
}
cleanup() {
  local rc=$?
  unforward
  if ((rc != 0)) && [[ -s $KUBECONFIG ]]; then
    echo "k8s/kind.sh: the cluster as the failure left it:" >&2
    kubectl get pods -A -o wide >&2 || true
    kubectl -n "$namespace" get events --sort-by=.lastTimestamp >&2 || true
    kubectl -n cosign-system logs deploy/policy-controller-webhook --tail 40 >&2 || true
  fi
  kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- 1. The cluster and the policy-controller. ---
say "creating a kind cluster (control plane + 3 workers, $node_image)"
kind create cluster --name "$cluster" --image "$node_image" --config build/k8s/kind-cluster.yaml \
  --kubeconfig "$KUBECONFIG" --wait 180s >"$out/kind-create.log" 2>&1 ||
  { tail -20 "$out/kind-create.log"; die "kind create cluster"; }
say "installing the policy-controller (chart $chart_version); images no policy names are denied"
helm install policy-controller "$chart" --version "$chart_version" \
  --namespace cosign-system --create-namespace \
  --set-string webhook.configData.no-match-policy=deny \
  --wait --timeout 5m >"$out/helm.log" 2>&1 || { tail -20 "$out/helm.log"; die "helm install $chart $chart_version"; }
webhook_image=$(kubectl -n cosign-system get deploy -o jsonpath='{range .items[*]}{range .spec.template.spec.containers[*]}{.image}{"\n"}{end}{end}' |
  grep -F "$webhook_repository" | sort -u || true)
# The release's digests: its index, and each platform's manifest.
want_digest=$(crane digest "$webhook_repository:$policy_controller_version")
release_digests=$({ echo "$want_digest"; crane manifest "$webhook_repository@$want_digest" | jq -r '.manifests[]?.digest'; } | sort -u)
if [[ $webhook_image != "$webhook_repository:$policy_controller_version" ]] &&
  ! grep -qxF "${webhook_image##*@}" <<<"$release_digests"; then
  die "chart $chart_version runs '${webhook_image:-no $webhook_repository image}', not $policy_controller_version ($want_digest), the version make test-supply-chain tests the policies with: pin the chart that ships it"
fi
say "ok: the webhook runs policy-controller $policy_controller_version ($webhook_image)"
# The policy's own validating webhook takes a moment after the rollout to
# install its certificate: the first applies may be turned away for TLS.
deadline=$((SECONDS + 90))
until kubectl apply -f policy/admission/cip-keyless.yaml >"$out/cip-apply.log" 2>&1; do
  ((SECONDS < deadline)) || { cat "$out/cip-apply.log"; die "the API server did not take policy/admission/cip-keyless.yaml"; }
  sleep 2
done
kubectl wait --for=condition=Ready clusterimagepolicy/product-catalog-keyless --timeout 120s >/dev/null ||
  die "policy/admission/cip-keyless.yaml did not become Ready: $(kubectl get clusterimagepolicy product-catalog-keyless -o jsonpath='{.status.conditions}')"
say "ok: policy/admission/cip-keyless.yaml is Ready"

# The namespace (it opts into the webhook) and the service account first:
# the service account pulls from ghcr.io, and the webhook reads the
# signatures with the same credentials.
kubectl apply -f deploy/base/namespace.yaml >/dev/null
kubectl -n "$namespace" apply -f deploy/base/serviceaccount.yaml >/dev/null
# Through a file, not arguments: the token stays out of the process list.
AUTH=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_TOKEN" | base64 -w0) jq -n '{auths: {"ghcr.io": {auth: env.AUTH}}}' >"$work/dockerconfig.json"
kubectl -n "$namespace" create secret generic ghcr-pull --type=kubernetes.io/dockerconfigjson \
  --from-file=.dockerconfigjson="$work/dockerconfig.json" >/dev/null
rm "$work/dockerconfig.json"
kubectl -n "$namespace" patch serviceaccount product-catalog -p '{"imagePullSecrets":[{"name":"ghcr-pull"}]}' >/dev/null

# --- 2. Admission, one image at a time. ---
render dockerfile "$DOCKERFILE_IMAGE" >"$out/dockerfile.yaml"
render ko "$KO_IMAGE" >"$out/ko.yaml"
kubectl apply --dry-run=client -o json -f "$out/dockerfile.yaml" |
  jq '.items[] | select(.kind == "Deployment") | {apiVersion: "v1", kind: "Pod",
    metadata: {name: "admission-probe", namespace: .metadata.namespace}, spec: .spec.template.spec}' >"$work/pod.json"
# probe IMAGE: a pod made from the Deployment's template with IMAGE, sent
# to the API server as a dry run; prints the API server's answer, and
# fails when it refused.
probe() {
  jq --arg image "$1" '.spec.containers[0].image = $image' "$work/pod.json" >"$work/probe.json"
  kubectl apply --dry-run=server -f "$work/probe.json" 2>&1
}
# expect admitted|refused IMAGE: the webhook loads policies a moment after
# they are Ready, so this waits, up to a minute, for the answer it expects;
# it prints the last answer, and fails if that is not the one.
expect() {
  local want=$1 deadline=$((SECONDS + 60)) answer got
  while :; do
    if answer=$(probe "$2"); then got=admitted; else got=refused; fi
    [[ $got != "$want" ]] || break
    ((SECONDS < deadline)) || { echo "$got: $answer"; return 1; }
    sleep 2
  done
  echo "$answer"
}
for image in "$DOCKERFILE_IMAGE" "$KO_IMAGE"; do
  answer=$(expect admitted "$image") || die "the webhook refused the signed $image: $answer"
  say "ok: the webhook admits a pod of the signed $image"
done
# Nobody signs the signature artifact itself: it is an image of our
# repository, by digest, with no signature.
repository=${DOCKERFILE_IMAGE%@*}
digest=${DOCKERFILE_IMAGE#*@}
unsigned=$repository@$(crane digest "$repository:sha256-${digest#sha256:}.sig")
answer=$(expect refused "$unsigned") || die "the webhook admitted $unsigned, which nobody signed"
grep -q 'failed policy: product-catalog-keyless' <<<"$answer" ||
  die "$unsigned was refused, but not by policy product-catalog-keyless: $answer"
say "ok: the webhook refuses $unsigned, an image of our repository nobody signed: $(tail -1 <<<"$answer")"
answer=$(expect refused "$webhook_repository@$want_digest") || die "the webhook admitted an image no policy names"
grep -qi 'no matching policies' <<<"$answer" || die "an image no policy names was refused, but not for that: $answer"
say "ok: the webhook refuses an image no policy names (no-match-policy: deny)"

# --- 3 and 4. Each overlay, deployed and rolled under load. ---
say "building the load's image (build/k8s/lbload, ko) and loading it into the nodes"
KO_DOCKER_REPO=product-catalog.local/lbload ko build --bare --tags load --platform linux/amd64 \
  --push=false --tarball "$work/lbload.tar" ./build/k8s/lbload >"$out/ko-lbload.log" 2>&1 ||
  { tail -20 "$out/ko-lbload.log"; die "ko build ./build/k8s/lbload"; }
kind load image-archive "$work/lbload.tar" --name "$cluster" >/dev/null
# The load runs where no policy applies: it is a test client, not ours to
# sign. Its namespace opts in, and its pod's label is the one the
# NetworkPolicy lets in from such a namespace.
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $load_namespace
  labels:
    pod-security.kubernetes.io/enforce: restricted
    product-catalog.io/clients: "true"
EOF

want_total=$(cat products/*.json | grep -c '"id":')
id=$(edited_id)
# pods: the Deployment's pods that are running and not terminating.
pods() {
  kubectl -n "$namespace" get pods -l app.kubernetes.io/name=product-catalog -o json |
    jq -r '.items[] | select(.status.phase == "Running" and .metadata.deletionTimestamp == null) | .metadata.name'
}
# forward POD: a port-forward to POD's 8088, on the local port it sets in
# port once kubectl says it listens.
forward() {
  local log=$work/forward-$1.log deadline=$((SECONDS + 30))
  kubectl -n "$namespace" port-forward "pod/$1" :8088 >"$log" 2>&1 &
  forwards+=($!)
  port=""
  until [[ -n $port ]]; do
    ((SECONDS < deadline)) || { cat "$log" >&2; return 1; }
    sleep 0.2
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
  done
}

for overlay in dockerfile ko; do
  image=$DOCKERFILE_IMAGE
  [[ $overlay == ko ]] && image=$KO_IMAGE
  grep -qF "image: $image" "$out/$overlay.yaml" || die "deploy/overlays/$overlay, pinned, does not name $image"
  kubectl apply -f "$out/$overlay.yaml" >/dev/null
  kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 300s >/dev/null ||
    die "$overlay: the Deployment did not become available"
  mapfile -t running < <(pods)
  ((${#running[@]} == 3)) || die "$overlay: ${#running[@]} pods running, want 3"
  nodes=$(kubectl -n "$namespace" get pods "${running[@]}" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | wc -l)
  ((nodes == 3)) || die "$overlay: the 3 pods run on $nodes nodes, want one per worker"
  for pod in "${running[@]}"; do
    ran=$(kubectl -n "$namespace" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].imageID}')
    [[ $ran == *"@${image#*@}" ]] || die "$overlay: pod $pod runs $ran, not the signed ${image#*@}"
    forward "$pod" || die "$overlay: no port-forward to $pod"
    got=$(curl -fsS "http://127.0.0.1:$port/products" | jq .total) || die "$overlay: GET /products from $pod"
    [[ $got == "$want_total" ]] || die "$overlay: $pod serves $got products, want the ConfigMap's $want_total"
  done
  unforward
  say "ok ($overlay): admitted; 3 pods on 3 workers run the signed digest, Ready, serving the ConfigMap's $want_total products"

  # The load, from a client pod, through the Service.
  job=load-$overlay
  kubectl apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $job
  namespace: $load_namespace
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        product-catalog.io/client: "true"
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: lbload
          image: product-catalog.local/lbload:load
          imagePullPolicy: Never
          args: [-target, "http://product-catalog.$namespace.svc.cluster.local:8088", -path, /products/$id, -duration, ${load_seconds}s, -workers, "4"]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
EOF
  kubectl -n "$load_namespace" wait --for=jsonpath='{.status.ready}'=1 "job/$job" --timeout 120s >/dev/null ||
    die "$overlay: the load's pod did not start"
  kubectl -n "$load_namespace" logs -f "job/$job" >"$out/$job.txt" 2>&1 &
  logs_pid=$!
  deadline=$((SECONDS + 30))
  until grep -q '^lbload: sending' "$out/$job.txt"; do
    ((SECONDS < deadline)) || { cat "$out/$job.txt"; die "$overlay: the load did not start sending"; }
    sleep 0.2
  done
  say "$overlay: $(head -1 "$out/$job.txt" | sed 's/^lbload: //')"

  rolled=$SECONDS
  kubectl -n "$namespace" rollout restart deploy/product-catalog >/dev/null
  kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 300s >/dev/null || die "$overlay: the rolling restart did not finish"
  say "$overlay: rolling restart done in $((SECONDS - rolled)) s"

  name="Edited through the API ($overlay)"
  edit_catalog "$name"
  edited=$SECONDS
  # Kubelet sync (10 s here) plus the reload interval (2 s), with room
  # for a busy runner.
  mapfile -t running < <(pods)
  for pod in "${running[@]}"; do
    forward "$pod" || die "$overlay: no port-forward to $pod"
    until curl -fsS "http://127.0.0.1:$port/products/$id" | grep -qF "$name"; do
      ((SECONDS - edited < 60)) || die "$overlay: $pod still serves the old catalog 60 s after the ConfigMap edit"
      sleep 0.5
    done
  done
  unforward
  say "$overlay: the ConfigMap edit reached all ${#running[@]} pods in $((SECONDS - edited)) s"

  phase=$(kubectl -n "$load_namespace" get pods -l "job-name=$job" -o jsonpath='{.items[0].status.phase}')
  [[ $phase == Running ]] || die "$overlay: the load ended ($phase) before the restart and the edit were done: raise LOAD_SECONDS ($load_seconds)"
  # The log stream ends when the load's container does.
  wait "$logs_pid" || true
  deadline=$((SECONDS + 60))
  until [[ -n $(kubectl -n "$load_namespace" get "job/$job" -o jsonpath='{.status.succeeded}{.status.failed}') ]]; do
    ((SECONDS < deadline)) || die "$overlay: the load's Job has not ended $load_seconds s after it started"
    sleep 1
  done
  kubectl -n "$load_namespace" logs "job/$job" >"$out/$job.txt" 2>&1
  summary=$(grep '^lbload: [0-9]* requests' "$out/$job.txt" || true)
  [[ -n $summary ]] || { cat "$out/$job.txt"; die "$overlay: the load printed no summary"; }
  grep -q ', 0 failed$' <<<"$summary" || { tail -25 "$out/$job.txt"; die "$overlay: requests failed during the restart and the edit: $summary"; }
  [[ $(kubectl -n "$load_namespace" get "job/$job" -o jsonpath='{.status.succeeded}') == 1 ]] ||
    { cat "$out/$job.txt"; die "$overlay: the load's Job failed"; }
  say "ok ($overlay): rolling restart and ConfigMap edit under load: ${summary#lbload: }"
done

# --- 5. Another signer identity. ---
# A second policy for the same images that trusts only another identity:
# every policy that names an image must pass, so the signed image is now
# refused, by this policy.
kubectl create --dry-run=client -o json -f policy/admission/cip-keyless.yaml |
  jq '.metadata.name = "product-catalog-other-identity"
      | .spec.authorities[0].keyless.identities = [{issuer: "https://token.actions.githubusercontent.com",
          subjectRegExp: "^https://github\\.com/someone-else/product-catalog/"}]' |
  kubectl apply -f - >/dev/null
kubectl wait --for=condition=Ready clusterimagepolicy/product-catalog-other-identity --timeout 120s >/dev/null ||
  die "the other-identity policy did not become Ready"
answer=$(expect refused "$DOCKERFILE_IMAGE") || die "a policy trusting another identity admitted $DOCKERFILE_IMAGE"
grep -q 'failed policy: product-catalog-other-identity' <<<"$answer" || die "$DOCKERFILE_IMAGE was refused, but not by the other-identity policy: $answer"
say "ok: a policy that trusts another signer refuses the signed $DOCKERFILE_IMAGE"

say "PASS in $(($(date +%s) - start_time)) s"
