#!/usr/bin/env bash
# The cluster itself refuses what policy/admission/cip-key.yaml refuses: the
# sigstore policy-controller's admission webhook (the version make
# test-supply-chain's tester runs), as a process on this host in front of
# the local cluster (build/k8s/cluster.sh), with images signed and attested
# here in a throw-away registry on 127.0.0.1:
#   1. both images, signed and attested, roll out by digest through the
#      webhook (deploy/ as committed, pinned to this run's digests);
#   2. kubectl apply is refused, each with the policy's own message, for an
#      unsigned image, one signed with another key, one signed without the
#      attestations, one whose SBOM fails the policy, an image no policy
#      names, and a tag that moved to an unsigned digest (the webhook
#      resolves tags: the same tag was admitted while it named a signed one);
#   3. the webhook's cost: admission latency p50/p99 over 100 pod creations,
#      and a rollout's time, each against the same without the webhook;
#   4. with the webhook down, a new pod in the namespace is refused (fail
#      closed) and one in a namespace that did not opt in is admitted.
#
# The webhook cannot be a pod here: pods have no route to the API server or
# the registry on 127.0.0.1. It runs on the host with a kubeconfig for its
# own service account (the upstream RBAC, not the admin's), and the API
# server calls it by URL. Two things differ from a Helm install, both
# because there is no Service network:
#   - the webhook configurations are ours, registered by URL under our own
#     names; the upstream ones name a Service and are left out, so the
#     webhook's reconcilers, which manage only those names, log that they
#     are missing and change nothing;
#   - the serving certificate is ours, made here for 127.0.0.1, in the
#     secret the webhook reads (webhook-certs): the webhook fills that secret
#     only when it is empty or expiring, and its own names only a Service.
# The webhook listens on every address, on fixed ports (knative's ":8443"
# and ":8080" at this version); a chain of our own in iptables refuses its
# ports on anything but loopback, and is removed on exit.
#
# Root (a node); the host is restored as cluster.sh restores it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=build/supply-chain/lib.sh
source build/supply-chain/lib.sh
out=${OUT:-$repo/.out}/admission
mkdir -p "$out"
[[ $(id -u) -eq 0 ]] || die "a node needs root (containerd, cgroups, iptables)"
start_time=$(date +%s)

build/tools/apt-install.sh etcd-server containerd runc containernetworking-plugins iptables gcc jq openssl bc >&2
build/tools/install.sh kubernetes ko crane cosign syft sbomcheck policy-webhook >&2
build/docker/ensure-docker.sh >&2
export K8S_BIN=$repo/build/.bin
kubectl() { "$K8S_BIN/kubectl" "$@"; }

work=$(mktemp -d)
export K8S_STATE=$work/cluster OUT=$work/out
VERSION=admission-$(git rev-parse --short HEAD)
export VERSION
# shellcheck source=build/k8s/cluster.sh
source build/k8s/cluster.sh
# shellcheck source=build/k8s/lib.sh
source build/k8s/lib.sh
webhook_pid="" chain=PC-ADMISSION
# unconfine: the iptables and ip6tables chains gone, whether made or not.
unconfine() {
  local t
  for t in iptables ip6tables; do
    if "$t" -n -L "$chain" >/dev/null 2>&1; then
      "$t" -D INPUT -j "$chain" 2>/dev/null
      "$t" -F "$chain" && "$t" -X "$chain"
    fi
  done
}
# stop_webhook: killed, as a crash or an OOM kill would (a TERM drains for
# most of a minute, listening all the while).
stop_webhook() {
  [[ -n $webhook_pid ]] || return 0
  kill -9 "$webhook_pid" 2>/dev/null || true
  wait "$webhook_pid" 2>/dev/null || true
  webhook_pid=""
}
cleanup() {
  local rc=$?
  # Every step, whichever failed before it.
  set +e
  if ((rc != 0)) && [[ -s $out/webhook.log ]]; then
    echo "admission.sh: the webhook's last lines ($out/webhook.log):" >&2
    tail -15 "$out/webhook.log" >&2
  fi
  stop_webhook
  unconfine
  [[ -z ${REGISTRY_PID:-} ]] || kill "$REGISTRY_PID" 2>/dev/null
  cluster_down
  docker rmi "${PAUSE_IMAGE:-none}" "${dockerfile_tag:-none}" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# --- The images, signed and attested, in a registry on 127.0.0.1. ---
# Named as the release names them, under the registry's address, so the
# policy's glob is the committed one with only the host changed.
eval "$(build/docker/registry.sh)"
dockerfile_repo=$REGISTRY/product-catalog/product-catalog
ko_repo=$REGISTRY/product-catalog/product-catalog-ko
export BUILDER_ID=https://github.com/product-catalog/product-catalog/.github/workflows/ci.yml@refs/heads/main

say "building and pushing the ko image (distroless stand-in)"
eval "$(REGISTRY=$REGISTRY build/docker/distroless-standin.sh)"
export KO_DEFAULTBASEIMAGE
make -s ko-build KO_DOCKER_REPO="$ko_repo" >"$out/ko-build.log" 2>&1 || { tail -20 "$out/ko-build.log"; die "ko build"; }
ko_image=$(cat "$OUT/ko/image.txt")

say "building and pushing the Dockerfile image (stand-in bases, named by digest)"
eval "$(REGISTRY=$REGISTRY build/docker/standin-bases.sh)"
runtime_base=$RUNTIME_IMAGE
dockerfile_tag=$dockerfile_repo:$VERSION
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
docker buildx build --load -q --build-arg GO_IMAGE="$GO_IMAGE" --build-arg RUNTIME_IMAGE="$runtime_base" \
  --build-arg VERSION="$VERSION" --build-arg REVISION="$(git rev-parse HEAD)" -t "$dockerfile_tag" . >/dev/null
docker push -q "$dockerfile_tag" >/dev/null
dockerfile_image="$dockerfile_repo@$(crane digest "$dockerfile_tag")"
BUILD_STARTED=$started GO_IMAGE=$GO_IMAGE build/supply-chain/provenance.sh dockerfile \
  "$dockerfile_image" "$runtime_base" >/dev/null

say "throw-away cosign key pairs; SBOMs, signatures and attestations of both images"
COSIGN_PASSWORD=$(head -c 18 /dev/urandom | base64)
export COSIGN_PASSWORD
(cd "$work" && cosign generate-key-pair --output-key-prefix signer >/dev/null 2>&1 &&
  cosign generate-key-pair --output-key-prefix stranger >/dev/null 2>&1)
for image in "$ko_image" "$dockerfile_image"; do
  make -s sbom IMAGE="$image" >"$out/sbom.log" 2>&1 || { cat "$out/sbom.log" >&2; die "make sbom $image"; }
  make -s sign IMAGE="$image" COSIGN_KEY="$work/signer.key" >"$out/sign.log" 2>&1 ||
    { cat "$out/sign.log" >&2; die "make sign $image"; }
done

# The images the cluster must refuse: the ko image with one label changed
# (a new digest in the same repository), each missing one thing.
variant() { crane mutate --label "org.opencontainers.image.description=$1" "$ko_image" 2>/dev/null; }
# sign_variant IMAGE KEY [PROVENANCE-FILTER]: SBOMs, signature and
# attestations as make sign makes them, with KEY; the SBOMs are the ko
# image's, edited by an optional jq filter on the SPDX one.
sign_variant() {
  local dir
  dir=$(out_dir_for "$1")
  mkdir -p "$dir"
  cp "$(out_dir_for "$ko_image")"/{sbom.cdx.json,provenance.json} "$dir/"
  jq "${3:-.}" "$(out_dir_for "$ko_image")/sbom.spdx.json" >"$dir/sbom.spdx.json"
  make -s sign IMAGE="$1" COSIGN_KEY="$2" >"$out/sign.log" 2>&1 || { cat "$out/sign.log" >&2; die "make sign $1"; }
}
unsigned=$(variant unsigned)
stranger=$(variant signed-by-a-stranger)
sign_variant "$stranger" "$work/stranger.key"
unattested=$(variant unattested)
cosign sign --yes --key "$work/signer.key" --tlog-upload=false --new-bundle-format=false --use-signing-config=false \
  --allow-insecure-registry "$unattested" >/dev/null 2>&1
badsbom=$(variant bad-sbom)
sign_variant "$badsbom" "$work/signer.key" 'del(.packages[] | select(.SPDXID | endswith("BaseImage")))'
crane tag "$ko_image" moving 2>/dev/null
crane copy "$runtime_base" "$REGISTRY/someone-else/alpine:3.22" 2>/dev/null
elsewhere="$REGISTRY/someone-else/alpine@$(crane digest "$REGISTRY/someone-else/alpine:3.22")"
say "images ready in $(($(date +%s) - start_time)) s: $dockerfile_image, $ko_image and five to refuse"

# --- The cluster; containerd pulls from the registry itself. ---
export PAUSE_IMAGE=product-catalog.local/pause:3.10
k8s_pause_image "$work/pause.tar"
say "starting etcd, the control plane and containerd"
cluster_up
k8s_ctr images import "$work/pause.tar" >/dev/null
node_up

# --- The policy-controller, as a process. ---
policy_controller_version=$(sed -n 's/^policy_controller_version=//p' build/tools/install.sh)
pc_src=$(go mod download -json "github.com/sigstore/policy-controller@$policy_controller_version" | jq -r '.Dir // empty')
: "${pc_src:?go mod download printed no Dir for policy-controller}"
pki=$work/webhook-pki
mkdir -p "$pki"
say "a CA and a serving certificate for 127.0.0.1 (openssl)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=product-catalog-admission-ca \
  -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=webhook.cosign-system.svc -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:webhook.cosign-system.svc\nextendedKeyUsage=serverAuth\n' >"$pki/ext.cnf"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
  -extfile "$pki/ext.cnf" -out "$pki/server.crt" 2>/dev/null
ca_bundle=$(base64 -w0 <"$pki/ca.crt")
# Fixed by this version: knative serves on ":8443", and policy-controller
# copies its options into the context before it parses --secure-port, so
# that flag changes nothing; knative's health probes take ":8080".
webhook_port=8443 probes_port=8080
webhook_url=https://127.0.0.1:$webhook_port
for port in "$webhook_port" "$probes_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use: the policy-controller webhook $policy_controller_version listens on $webhook_port and $probes_port, whatever its flags"
  fi
done

say "installing the policy-controller's namespace, RBAC, CRDs and configuration ($pc_src/config)"
for f in 100-namespace 200-serviceaccount 200-clusterrole 200-role 201-clusterrolebinding 201-rolebinding 300-trustroot \
  config-logging config-observability config-leader-election config-image-policies config-sigstore-keys; do
  kubectl apply -f "$pc_src/config/$f.yaml" >/dev/null
done
# The CRD converts between v1alpha1 and v1beta1 through the webhook: by URL.
kubectl apply --dry-run=client -o json -f "$pc_src/config/300-clusterimagepolicy.yaml" |
  jq --arg url "$webhook_url/resource-conversion" --arg ca "$ca_bundle" \
    '.spec.conversion.webhook.clientConfig = {url: $url, caBundle: $ca}' | kubectl apply -f - >/dev/null
# An image no policy names is refused (policy/README.md).
kubectl -n cosign-system create configmap config-policy-controller --from-literal=no-match-policy=deny \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n cosign-system create secret generic webhook-certs --from-file=server-key.pem="$pki/server.key" \
  --from-file=server-cert.pem="$pki/server.crt" --from-file=ca-cert.pem="$pki/ca.crt" >/dev/null

# The webhook's kubeconfig: its own service account's token, and the API
# server's certificate checked.
api=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
webhook_kubeconfig=$work/webhook.kubeconfig
KUBECONFIG=$webhook_kubeconfig kubectl config set-cluster pc --server "$api" \
  --certificate-authority "$K8S_STATE/pki/apiserver/apiserver.crt" --embed-certs >/dev/null
KUBECONFIG=$webhook_kubeconfig kubectl config set-credentials webhook \
  --token "$(kubectl -n cosign-system create token webhook --duration 2h)" >/dev/null
KUBECONFIG=$webhook_kubeconfig kubectl config set-context pc --cluster pc --user webhook >/dev/null
KUBECONFIG=$webhook_kubeconfig kubectl config use-context pc >/dev/null

profiling_port=$(k8s_free_port) metrics_port=$(k8s_free_port)
webhook_home=$work/webhook-home
mkdir -p "$webhook_home"
# Its ports, on loopback only, before it listens: a chain of ours, for IPv4
# and IPv6 (Go's ":8443" is both).
ports="$webhook_port,$probes_port,$profiling_port,$metrics_port"
for t in iptables ip6tables; do
  "$t" -N "$chain"
  "$t" -A "$chain" -p tcp ! -i lo -m multiport --dports "$ports" -j REJECT
  "$t" -I INPUT -j "$chain"
done
say "iptables and ip6tables chain $chain: ports $ports refused on every interface but loopback"

# Upstream's webhook configurations, as its install applies them, each with
# an objectSelector that matches nothing: they name a Service, which cannot
# resolve here, so the API server must never call them. The webhook's
# reconcilers fill in their rules, namespace selectors and CA bundle (from
# the secret it serves); ours, by URL, are copied from them below.
never='{"matchExpressions": [{"key": "product-catalog.local/never", "operator": "Exists"}]}'
kubectl apply --dry-run=client -o json -f "$pc_src/config/500-webhook-configuration.yaml" \
  -f "$pc_src/config/501-policy-webhook-configurations.yaml" |
  jq --argjson never "$never" '.items |= map(select(.kind | endswith("WebhookConfiguration"))
    | .webhooks |= map(.objectSelector = $never))' | kubectl apply -f - >/dev/null

# start_webhook: the webhook process, until its TLS port serves our
# certificate; fails as soon as the process exits.
start_webhook() {
  say "starting policy-webhook on $webhook_url (log: $out/webhook.log)"
  SYSTEM_NAMESPACE=cosign-system CONFIG_LOGGING_NAME=config-logging METRICS_DOMAIN=sigstore.dev/policy \
    WEBHOOK_NAME=webhook POD_NAME=policy-webhook-host HOME=$webhook_home PROFILING_PORT=$profiling_port \
    METRICS_PROMETHEUS_PORT=$metrics_port \
    KUBECONFIG=$webhook_kubeconfig "$K8S_BIN/policy-webhook" --disable-tuf \
    >"$out/webhook.log" 2>&1 &
  webhook_pid=$!
  local i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$webhook_pid" 2>/dev/null || die "the webhook exited: $(grep -v '^{' "$out/webhook.log" | head -3)"
    curl -sS --cacert "$pki/ca.crt" -o /dev/null "$webhook_url/" 2>/dev/null && return 0
    sleep 0.1
  done
  die "the webhook's TLS port did not answer in 60 s"
}
start_webhook
# Every port it listens on, once its health probes (the last to start) are
# up, must be one the chain refuses.
k8s_wait "the webhook's health probes" 60 curl -fsS -o /dev/null "http://127.0.0.1:$probes_port/health"
listening=$(ss -Hltnp | awk -v pid="pid=$webhook_pid," 'index($0, pid) {n = split($4, a, ":"); print a[n]}' | sort -un)
for port in $listening; do
  [[ ,$ports, == *",$port,"* ]] || die "the webhook listens on port $port, which is not among $ports"
done
say "the webhook listens on ports $(paste -sd, - <<<"$listening"), all confined to loopback"

# reconciled NAME: upstream's configuration NAME once the webhook's
# reconciler has set its rules and our CA bundle.
reconciled() {
  kubectl get mutatingwebhookconfiguration,validatingwebhookconfiguration -o json |
    jq -e --arg name "$1" --arg ca "$ca_bundle" '.items[] | select(.metadata.name == $name)
      | select(all(.webhooks[]; (.rules | length > 0) and .clientConfig.caBundle == $ca))' >/dev/null
}
for name in policy.sigstore.dev validating.clusterimagepolicy.sigstore.dev defaulting.clusterimagepolicy.sigstore.dev; do
  k8s_wait "the webhook's reconciler to configure $name" 60 reconciled "$name"
done
say "registering the webhook by URL: upstream's configurations as its reconcilers wrote them, under our names, by URL, with the CA of the secret it serves"
kubectl get mutatingwebhookconfiguration,validatingwebhookconfiguration -o json |
  jq --arg base "$webhook_url" '{apiVersion: "v1", kind: "List", items: [.items[]
    | select(.metadata.name | IN("policy.sigstore.dev", "validating.clusterimagepolicy.sigstore.dev", "defaulting.clusterimagepolicy.sigstore.dev"))
    | {apiVersion, kind, metadata: {name: ("product-catalog-local." + (.kind | ascii_downcase | sub("webhookconfiguration"; "")) + "." + .metadata.name)},
       webhooks: [.webhooks[] | del(.objectSelector) | .name = "product-catalog-local." + .name
         | .clientConfig = {url: ($base + .clientConfig.service.path), caBundle: .clientConfig.caBundle}]}]}' \
  >"$out/webhook-configurations.json"
jq -e '[.items[].webhooks[] | select(.failurePolicy == "Fail" and (.clientConfig.url | startswith("https://127.0.0.1:")))] | length == 4' \
  "$out/webhook-configurations.json" >/dev/null || die "the configurations to register are not four, failing closed, by URL: $out/webhook-configurations.json"
kubectl apply -f "$out/webhook-configurations.json" >/dev/null

# policy/admission/cip-key.yaml as committed, with this run's key and
# registry in place of the placeholders, as policy/README.md says.
awk -v key="$work/signer.pub" -v registry="$REGISTRY" '
  /glob:/ { sub(/"ghcr\.io\//, "\"" registry "/") }
  /-----BEGIN PUBLIC KEY-----/ { indent = substr($0, 1, index($0, "-") - 1)
    while ((getline line < key) > 0) print indent line
    skip = 1; next }
  skip && /-----END PUBLIC KEY-----/ { skip = 0; next }
  !skip { print }' policy/admission/cip-key.yaml >"$out/cip-key.yaml"
# without_key FILE: FILE with its key block as one line.
without_key() { awk '/BEGIN PUBLIC KEY/ { key = 1; print "KEY" } !key { print } /END PUBLIC KEY/ { key = 0 }' "$1"; }
diff <(without_key policy/admission/cip-key.yaml | sed "s#\"ghcr\.io/#\"$REGISTRY/#") <(without_key "$out/cip-key.yaml") >&2 ||
  die "the applied policy differs from policy/admission/cip-key.yaml in more than its key and registry"
kubectl apply -f "$out/cip-key.yaml" >/dev/null
# The webhook decides from the ConfigMap its reconciler writes from the policy.
k8s_wait "the policy in config-image-policies" 60 \
  sh -c "'$K8S_BIN/kubectl' -n cosign-system get configmap config-image-policies -o jsonpath='{.data.product-catalog-key}' | grep -q glob"
# A policy the webhook itself refuses is never stored: it validates them.
if refusal=$(sed 's/hashAlgorithm: sha256/hashAlgorithm: md5/' "$out/cip-key.yaml" | kubectl apply --dry-run=server -f - 2>&1); then
  die "the API server stored a ClusterImagePolicy with hashAlgorithm md5: the webhook does not validate policies"
fi
grep -q 'admission webhook "product-catalog-local.validating.clusterimagepolicy.sigstore.dev" denied the request' <<<"$refusal" ||
  die "a policy with hashAlgorithm md5 was refused, but not by the webhook: $refusal"
say "ok: the webhook validates policies: hashAlgorithm md5 refused ($(head -c 160 <<<"${refusal#*denied the request: }"))"

kubectl apply -f deploy/base/namespace.yaml >/dev/null
kubectl -n product-catalog apply -f deploy/base/serviceaccount.yaml >/dev/null
namespace=product-catalog
say "webhook up and registered in $(($(date +%s) - start_time)) s since the start of this test"

# --- 1. Both images roll out through the webhook. ---
delete_deployment() {
  kubectl -n "$namespace" delete deploy/product-catalog --wait=true --timeout 60s >/dev/null
  kubectl -n "$namespace" wait --for=delete pod -l app.kubernetes.io/name=product-catalog --timeout 60s >/dev/null
}
# rollout OVERLAY IMAGE [opted-out]: applies the overlay pinned to IMAGE
# (its Namespace without the opt-in label, if asked) and waits for it;
# prints the seconds it took.
rollout() {
  local began
  render "$1" "$2" >"$work/$1.yaml"
  if [[ ${3:-} == opted-out ]]; then sed -i '/policy.sigstore.dev\/include:/d' "$work/$1.yaml"; fi
  began=$(date +%s.%N)
  kubectl apply -f "$work/$1.yaml" >"$work/apply.log" 2>&1 || { cat "$work/apply.log" >&2; return 1; }
  kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null ||
    { kubectl -n "$namespace" get pods,rs -o wide >&2; return 1; }
  echo "$(date +%s.%N) - $began" | bc
}
# running_digest: the one digest every running pod of the Deployment runs.
running_digest() {
  kubectl -n "$namespace" get pods -l app.kubernetes.io/name=product-catalog -o json |
    jq -r '[.items[] | select(.status.phase == "Running") | .status.containerStatuses[0].imageID | sub("^.*@"; "")] | unique
      | if length == 1 then .[0] else "several: " + join(" ") end'
}
for overlay in dockerfile ko; do
  image=$dockerfile_image
  [[ $overlay == ko ]] && image=$ko_image
  seconds=$(rollout "$overlay" "$image") || die "the $overlay image's Deployment did not roll out through the webhook"
  [[ $(running_digest) == "$(digest_of "$image")" ]] || die "$overlay: the pods run $(running_digest), want $image"
  say "ok, admitted: deploy/overlays/$overlay pinned to $image rolled out through the webhook in $(printf '%.1f' "$seconds") s; its pods run that digest, pulled from the registry"
  delete_deployment
done

# --- 2. Refusals, by kubectl apply, with the policy's own message. ---
pod_spec() {
  jq -n --arg image "$1" --arg name "${2:-refused}" '{apiVersion: "v1", kind: "Pod",
    metadata: {name: $name, namespace: "product-catalog"},
    spec: {serviceAccountName: "product-catalog", securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: "RuntimeDefault"}},
      containers: [{name: "product-catalog", image: $image,
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ["ALL"]}}}]}}'
}
# deployment_of IMAGE: the ko overlay as committed, its image IMAGE.
deployment_of() { render ko 2>/dev/null | sed "s#^\(\s*image:\).*#\1 $1#"; }
by_webhook='admission webhook "product-catalog-local.policy.sigstore.dev" denied the request'
# refused WHAT IMAGE PATTERN: kubectl apply of a Deployment of IMAGE, and
# of a bare pod of it, is refused by the webhook with a message matching
# the extended regular expression PATTERN.
refused() {
  local what=$1 image=$2 pattern=$3 refusal kind
  for kind in Deployment pod; do
    if [[ $kind == Deployment ]]; then
      refusal=$(deployment_of "$image" | kubectl apply -f - 2>&1) && die "the cluster admitted a Deployment of $what ($image)"
    else
      refusal=$(pod_spec "$image" | kubectl apply -f - 2>&1) && die "the cluster admitted a pod of $what ($image)"
    fi
    grep -qF "$by_webhook" <<<"$refusal" || die "a $kind of $what was refused, but not by the webhook: $refusal"
    grep -qE -- "$pattern" <<<"$refusal" || die "a $kind of $what was refused, but not for /$pattern/: $refusal"
  done
  say "ok, refused by the webhook: $what ($(grep -oE -- "$pattern" <<<"$refusal" | head -1))"
  echo "$what: $refusal" >>"$out/refusals.txt"
}
: >"$out/refusals.txt"
# "no matching attestations: " ends the line when nothing was found at all;
# attestations that exist but fail say why after it.
refused "an unsigned image" "$unsigned" 'no matching attestations: $'
refused "an image signed with another key" "$stranger" 'no matching attestations: accepted signatures do not match threshold, Found: 0, Expected 1'
refused "an image signed without its attestations" "$unattested" 'no matching attestations: $'
refused "an image whose SBOM attestation fails the policy" "$badsbom" 'failed evaluating rego policy for type sbom-spdx: .*the base image is not listed by digest'
refused "an image no policy names" "$elsewhere" 'no matching policies: spec\.(template\.spec\.)?containers\[0\]\.image'
# A tag, while it names the signed image: the webhook pins the
# Deployment's template to that digest, so moving the tag later changes
# nothing the Deployment runs, and a new apply of the tag is refused.
deployment_of "$ko_repo:moving" | kubectl apply -f - >"$work/tagged.log" 2>&1 ||
  { cat "$work/tagged.log" >&2; die "a Deployment of $ko_repo:moving, naming the signed image, was refused"; }
pinned=$(kubectl -n "$namespace" get deploy/product-catalog -o jsonpath='{.spec.template.spec.containers[0].image}')
[[ $pinned == "$ko_repo:moving@$(digest_of "$ko_image")" ]] ||
  die "the webhook left the tag unresolved: the Deployment names $pinned, want $ko_repo:moving@$(digest_of "$ko_image")"
kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null || die "the Deployment by tag did not roll out"
say "ok, admitted: a Deployment of a tag naming the signed image, its template pinned by the webhook to $pinned"
crane tag "$unsigned" moving 2>/dev/null
kubectl -n "$namespace" rollout restart deploy/product-catalog >/dev/null
kubectl -n "$namespace" rollout status deploy/product-catalog --timeout 120s >/dev/null || die "the restart after the tag moved did not roll out"
[[ $(running_digest) == "$(digest_of "$ko_image")" ]] || die "after the tag moved, the restarted pods run $(running_digest), want the signed $(digest_of "$ko_image")"
say "ok: after the tag moved to an unsigned image, a restart still runs the signed digest the webhook pinned"
refused "a tag that moved to an unsigned digest" "$ko_repo:moving" "$(digest_of "$unsigned") .*no matching attestations: \$"
# cip-key.yaml admits on the attestations: their DSSE envelopes carry the
# key's signature, and the policy-controller reads no .sig when an authority
# lists attestations (pkg/webhook/validator.go). An image the key attested
# but never signed is admitted; only the key holder can make either.
attested=$(variant attested-not-signed)
mkdir -p "$(out_dir_for "$attested")"
for att in "spdxjson:sbom.spdx.json" "slsaprovenance1:provenance.json"; do
  cosign attest --yes --key "$work/signer.key" --tlog-upload=false --new-bundle-format=false --use-signing-config=false \
    --allow-insecure-registry --type "${att%%:*}" --predicate "$(out_dir_for "$ko_image")/${att#*:}" "$attested" >/dev/null 2>&1
done
pod_spec "$attested" attested | kubectl apply --dry-run=server -f - >"$work/attested.log" 2>&1 ||
  { cat "$work/attested.log" >&2; die "an image attested with the key but not signed was refused: the policy's documented behaviour changed"; }
say "ok, admitted (as documented): an image attested with the key, without a .sig signature"

# --- 3. The webhook's cost. ---
# latency NAMESPACE: creates 100 pods that never run (a scheduling gate)
# through the API, then deletes them; prints each creation's time in
# milliseconds from the request sent to the response read (curl: total
# minus the TLS handshake).
token=$(cut -d, -f1 "$K8S_STATE/pki/tokens.csv")
latency() {
  local ns=$1 i
  for ((i = 0; i < 100; i++)); do
    pod_spec "$ko_image" "latency-$i" | jq --arg ns "$ns" '.metadata.namespace = $ns | .spec.schedulingGates = [{name: "product-catalog.local/never"}]
      | .spec.serviceAccountName = "default"' |
      curl -fsS -k -o /dev/null -w '%{time_total} %{time_appconnect}\n' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' --data-binary @- "$api/api/v1/namespaces/$ns/pods" |
      awk '{printf "%.1f\n", ($1 - $2) * 1000}'
  done
  kubectl -n "$ns" delete pods -l '!app.kubernetes.io/name' --wait=false >/dev/null
}
percentile() { sort -n | awk -v p="$1" '{v[NR] = $1} END {i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i]}'; }
kubectl create namespace latency-opted-out >/dev/null
kubectl create namespace latency-opted-in >/dev/null
kubectl label namespace latency-opted-in policy.sigstore.dev/include=true >/dev/null
for ns in latency-opted-out latency-opted-in; do
  kubectl -n "$ns" wait --for=jsonpath='{.metadata.name}'=default serviceaccount/default --timeout 30s >/dev/null 2>&1 ||
    k8s_wait "the default service account of $ns" 30 "$K8S_BIN/kubectl" -n "$ns" get serviceaccount default
done
latency latency-opted-out >"$out/latency-without.txt"
latency latency-opted-in >"$out/latency-with.txt"
without_p50=$(percentile 50 <"$out/latency-without.txt") without_p99=$(percentile 99 <"$out/latency-without.txt")
with_p50=$(percentile 50 <"$out/latency-with.txt") with_p99=$(percentile 99 <"$out/latency-with.txt")
say "cost: a pod creation takes p50 $with_p50 ms, p99 $with_p99 ms through the webhook; p50 $without_p50 ms, p99 $without_p99 ms without (100 each)"
# The rollout, three times each way, alternating: the same Deployment with
# the namespace opted out (its label dropped from the rendered Namespace,
# and checked gone) and opted in.
delete_deployment
: >"$out/rollout-without.txt"
: >"$out/rollout-with.txt"
for _ in 1 2 3; do
  rollout ko "$ko_image" opted-out >>"$out/rollout-without.txt" || die "the rollout without the webhook failed"
  [[ -z $(kubectl get namespace "$namespace" -o jsonpath='{.metadata.labels.policy\.sigstore\.dev/include}') ]] ||
    die "the namespace kept its opt-in label: the rollout without the webhook went through it"
  delete_deployment
  rollout ko "$ko_image" >>"$out/rollout-with.txt" || die "the rollout with the webhook failed"
  delete_deployment
done
with=$(percentile 50 <"$out/rollout-with.txt") without=$(percentile 50 <"$out/rollout-without.txt")
say "cost: the ko Deployment's rollout (3 pods, median of 3) takes $(printf '%.1f' "$with") s through the webhook, $(printf '%.1f' "$without") s without ($(echo "scale=2; $with / $without" | bc)x; mostly the pods' probes)"
{
  echo "admission latency (ms, 100 pod creations): with p50 $with_p50 p99 $with_p99; without p50 $without_p50 p99 $without_p99"
  echo "rollout (s, 3 pods, median of 3): with $with; without $without"
} >"$out/cost.txt"

# --- 4. The webhook down: fail closed where it applies, nowhere else. ---
stop_webhook
if refusal=$(pod_spec "$ko_image" while-down | kubectl apply -f - 2>&1); then
  die "with the webhook down the cluster admitted a pod in $namespace: it fails open"
fi
grep -q 'failed calling webhook "product-catalog-local.policy.sigstore.dev"' <<<"$refusal" ||
  die "with the webhook down a pod was refused, but not for the webhook: $refusal"
say "ok, refused with the webhook down (fail closed): $(grep -o 'failed calling webhook[^:]*' <<<"$refusal" | head -1)"
kubectl create namespace not-opted-in >/dev/null
k8s_wait "the default service account of not-opted-in" 30 "$K8S_BIN/kubectl" -n not-opted-in get serviceaccount default
pod_spec "$ko_image" elsewhere | jq '.metadata.namespace = "not-opted-in" | .spec.serviceAccountName = "default"' |
  kubectl apply -f - >"$work/elsewhere.log" 2>&1 || { cat "$work/elsewhere.log" >&2; die "with the webhook down a pod in a namespace that did not opt in was refused"; }
say "ok, admitted with the webhook down: a pod in a namespace that did not opt in"

kubectl delete namespace "$namespace" not-opted-in latency-opted-in latency-opted-out --wait=false >/dev/null
kubectl wait --for=delete pods --all -A --timeout 90s >/dev/null 2>&1 ||
  say "pods still terminating after 90 s; cluster_down kills them"
cluster_down
host_restored || die "the host is not as the cluster found it"
unconfine
for t in iptables ip6tables; do
  if "$t" -n -L "$chain" >/dev/null 2>&1; then die "$t still has the chain $chain"; fi
done
for port in "$webhook_port" "$probes_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port still answers: the webhook is not gone"; fi
done
say "ok: the cluster, the webhook and its iptables and ip6tables chains are gone; the host is restored"
say "PASS in $(($(date +%s) - start_time)) s"
