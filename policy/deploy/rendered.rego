# A rendered overlay (kubectl kustomize deploy/overlays/<each>), held to
# what docs/kubernetes.md promises ("What it creates"), as an allowlist:
# exactly the eight objects the docs list, each with the settings they
# name; a field that is missing, of another type, or not listed here is
# denied (fail closed); so is any metadata, label or annotation the
# rendering does not hold, the pod template's included. The
# NetworkPolicy in it is held to networkpolicy.rego (package main). Every container, init and ephemeral
# ones included, is held to the service container's settings, and only
# the one service container is allowed.
#
# Read the whole rendering at once: conftest test --combine --namespace
# rendered -p policy/deploy FILE (the input is then a list of
# {path, contents}, one per YAML document). build/test-policy.sh runs it on
# both overlays, and on denied/*.yaml: the ko overlay's rendering (its
# ConfigMap's catalog cut to one file) with one bypass each, refused for
# its "# expect:" reason.
package rendered

import rego.v1

app := {"app.kubernetes.io/name": "product-catalog"}

namespace := "product-catalog"

# The objects the docs list, one of each: apiVersion, name and the only
# top-level fields each may have.
wanted := {
	"Namespace": {"apiVersion": "v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata"}},
	"ServiceAccount": {"apiVersion": "v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "automountServiceAccountToken"}},
	"ConfigMap": {"apiVersion": "v1", "name": "product-catalog-products", "keys": {"apiVersion", "kind", "metadata", "data"}},
	"Deployment": {"apiVersion": "apps/v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "spec"}},
	"Service": {"apiVersion": "v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "spec"}},
	"PodDisruptionBudget": {"apiVersion": "policy/v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "spec"}},
	"HorizontalPodAutoscaler": {"apiVersion": "autoscaling/v2", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "spec"}},
	"NetworkPolicy": {"apiVersion": "networking.k8s.io/v1", "name": "product-catalog", "keys": {"apiVersion", "kind", "metadata", "spec"}},
}

# The Namespace's Pod Security labels, all of them: enforce (the docs'
# promise) and the version and modes the test cluster (v1.31) runs.
pod_security := {
	"pod-security.kubernetes.io/enforce": "restricted",
	"pod-security.kubernetes.io/enforce-version": "v1.31",
	"pod-security.kubernetes.io/warn": "restricted",
	"pod-security.kubernetes.io/audit": "restricted",
}

deployment_keys := {"replicas", "revisionHistoryLimit", "selector", "strategy", "template"}

pod_keys := {"serviceAccountName", "automountServiceAccountToken", "terminationGracePeriodSeconds", "securityContext", "topologySpreadConstraints", "containers", "volumes"}

container_keys := {"name", "image", "ports", "env", "resources", "startupProbe", "readinessProbe", "livenessProbe", "securityContext", "volumeMounts"}

pod_security_context := {
	"runAsNonRoot": true,
	"runAsUser": 65532,
	"runAsGroup": 65532,
	"seccompProfile": {"type": "RuntimeDefault"},
}

container_security_context := {
	"readOnlyRootFilesystem": true,
	"allowPrivilegeEscalation": false,
	"capabilities": {"drop": ["ALL"]},
}

resources := {"requests": {"cpu": "100m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}}

env := {
	"PRODUCT_CATALOG_PORT": "8088",
	"PRODUCT_CATALOG_DIR": "/catalog",
	"PRODUCT_CATALOG_RELOAD_INTERVAL": "2s",
	"SHUTDOWN_DRAIN": "5s",
	"SHUTDOWN_TIMEOUT": "10s",
}

probes := {
	"startupProbe": {"path": "/readyz", "port": "http"},
	"readinessProbe": {"path": "/readyz", "port": "http"},
	"livenessProbe": {"path": "/healthz", "port": "http"},
}

probe_numbers := {"periodSeconds", "failureThreshold", "timeoutSeconds", "successThreshold", "initialDelaySeconds"}

# Each probe, every key and value, as the overlays render it: a longer
# delay or a higher threshold keeps a hung pod in service.
probe_timings := {
	"startupProbe": {"failureThreshold": 30, "periodSeconds": 1},
	"readinessProbe": {"failureThreshold": 1, "periodSeconds": 2},
	"livenessProbe": {"failureThreshold": 3, "periodSeconds": 10},
}

probe_settings := {probe: object.union(timings, {"httpGet": probes[probe]}) | some probe, timings in probe_timings}

prometheus := {"prometheus.io/scrape": "true", "prometheus.io/port": "8088", "prometheus.io/path": "/metrics"}

topology_spread := [
	{
		"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
		"nodeTaintsPolicy": "Honor", "matchLabelKeys": ["pod-template-hash"], "labelSelector": {"matchLabels": app},
	},
	{
		"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
		"nodeTaintsPolicy": "Honor", "matchLabelKeys": ["pod-template-hash"], "labelSelector": {"matchLabels": app},
	},
]

volumes := [{"name": "catalog", "configMap": {"name": "product-catalog-products"}}]

volume_mounts := [{"name": "catalog", "mountPath": "/catalog", "readOnly": true}]

ports := [{"name": "http", "containerPort": 8088, "protocol": "TCP"}]

image_pattern := `^ghcr\.io/product-catalog/product-catalog(-ko)?@sha256:[0-9a-f]{64}$`

# at(x, path): the value at path, or null when it, or anything on the way,
# is missing or not an object.
at(x, path) := v if {
	is_object(x)
	v := object.get(x, path, null)
} else := null

# keys_of(x): x's fields, none when x is not an object.
keys_of(x) := k if {
	is_object(x)
	k := object.keys(x)
} else := set()

# list_at(x, field): the list at field, empty when missing or not a list
# (a rule of its own denies the wrong type).
list_at(x, field) := v if {
	v := at(x, field)
	is_array(v)
} else := []

# --- The rendering as a whole. ---

deny contains msg if {
	not is_array(input)
	msg := "the input must be a whole rendering, read with conftest test --combine"
}

documents := [d | some entry in input; d := at(entry, "contents")] if is_array(input)

deny contains msg if {
	some i, d in documents
	not is_object(d)
	msg := sprintf("document %d is not an object: %v", [i, d])
}

objects := [d | some d in documents; is_object(d)]

kind_of(d) := object.get(d, "kind", null)

deny contains msg if {
	some d in objects
	not wanted[kind_of(d)]
	msg := sprintf("kind %v (%v) is not one docs/kubernetes.md lists: only %v", [kind_of(d), at(d, ["metadata", "name"]), sort(object.keys(wanted))])
}

deny contains msg if {
	some kind, _ in wanted
	n := count([d | some d in objects; kind_of(d) == kind])
	n != 1
	msg := sprintf("%v: the rendering must hold exactly one, it holds %d", [kind, n])
}

deny contains msg if {
	some d in objects
	want := wanted[kind_of(d)]
	at(d, "apiVersion") != want.apiVersion
	msg := sprintf("%v: apiVersion must be %v", [d.kind, want.apiVersion])
}

deny contains msg if {
	some d in objects
	want := wanted[kind_of(d)]
	at(d, ["metadata", "name"]) != want.name
	msg := sprintf("%v: metadata.name must be %v", [d.kind, want.name])
}

deny contains msg if {
	some d in objects
	wanted[kind_of(d)]
	d.kind != "Namespace"
	at(d, ["metadata", "namespace"]) != namespace
	msg := sprintf("%v %v: metadata.namespace must be %v", [d.kind, at(d, ["metadata", "name"]), namespace])
}

deny contains msg if {
	some d in objects
	want := wanted[kind_of(d)]
	extra := object.keys(d) - want.keys
	count(extra) > 0
	msg := sprintf("%v: fields %v are not allowed (only %v)", [d.kind, sort(extra), sort(want.keys)])
}

by_kind(kind) := [d | some d in objects; kind_of(d) == kind]

# --- Metadata: every object's, and the pod template's, exactly as the
# overlays render it. Labels and annotations steer webhooks and
# controllers (istio-injection, linkerd.io/inject, eks.amazonaws.com/role-arn,
# azure.workload.identity/use, service.kubernetes.io/service-proxy-name),
# ownerReferences and finalizers garbage collection: none is allowed
# beyond what the rendering holds. ---

common_labels := {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}

namespace_labels := object.union(object.union(common_labels, pod_security), {"policy.sigstore.dev/include": "true"})

# metas: [where, path, metadata, allowed keys, labels, annotations], one
# per object and one for the Deployment's pod template.
metas contains [where, "metadata", at(d, "metadata"), {"name", "labels"}, namespace_labels, {}] if {
	some d in by_kind("Namespace")
	where := sprintf("Namespace %v", [at(d, ["metadata", "name"])])
}

metas contains [where, "metadata", at(d, "metadata"), {"name", "namespace", "labels"}, common_labels, {}] if {
	some d in objects
	wanted[kind_of(d)]
	d.kind != "Namespace"
	where := sprintf("%v %v", [d.kind, at(d, ["metadata", "name"])])
}

metas contains [where, "spec.template.metadata", at(d, ["spec", "template", "metadata"]), {"labels", "annotations"}, app, prometheus] if {
	some d in deployments
	where := sprintf("Deployment %v", [at(d, ["metadata", "name"])])
}

deny contains msg if {
	some [where, path, meta, _, _, _] in metas
	not is_object(meta)
	msg := sprintf("%v: %v must be an object", [where, path])
}

deny contains msg if {
	some [where, path, meta, allowed, _, _] in metas
	some key in (keys_of(meta) - allowed)
	msg := sprintf("%v: %v.%v is not allowed (only %v)", [where, path, key, sort(allowed)])
}

deny contains msg if {
	some [where, path, meta, _, labels, annotations] in metas
	some field, want in {"labels": labels, "annotations": annotations}
	v := at(meta, field)
	v != null
	not is_object(v)
	msg := sprintf("%v: %v.%v must be an object, exactly %v", [where, path, field, want])
}

deny contains msg if {
	some [where, path, meta, _, labels, annotations] in metas
	some field, want in {"labels": labels, "annotations": annotations}
	some key in (keys_of(at(meta, field)) - object.keys(want))
	msg := sprintf("%v: %v.%v[%q] is not allowed (%v)", [where, path, field, key, allowed_entries(want)])
}

allowed_entries(want) := "the rendering has none" if count(want) == 0

else := sprintf("only %v", [want])

deny contains msg if {
	some [where, path, meta, _, labels, annotations] in metas
	some field, want in {"labels": labels, "annotations": annotations}
	some key, value in want
	got := at(meta, field)
	at(got, key) != value
	msg := sprintf("%v: %v.%v[%q] must be %q", [where, path, field, key, value])
}

# --- Namespace. ---

deny contains msg if {
	some ns in by_kind("Namespace")
	labels := at(ns, ["metadata", "labels"])
	got := {k: v | some k in keys_of(labels); startswith(k, "pod-security.kubernetes.io/"); v := labels[k]}
	got != pod_security
	msg := sprintf("Namespace: the pod-security.kubernetes.io labels must be exactly %v (enforce: restricted, the API server refuses pods below it)", [pod_security])
}

deny contains msg if {
	some ns in by_kind("Namespace")
	at(ns, ["metadata", "labels", "policy.sigstore.dev/include"]) != "true"
	msg := "Namespace: metadata.labels[\"policy.sigstore.dev/include\"] must be \"true\" (the sigstore policy-controller checks only namespaces that opt in)"
}

# --- ServiceAccount. ---

deny contains msg if {
	some sa in by_kind("ServiceAccount")
	at(sa, "automountServiceAccountToken") != false
	msg := "ServiceAccount: automountServiceAccountToken must be false (the service never calls the API)"
}

# --- ConfigMap. ---

deny contains msg if {
	some cm in by_kind("ConfigMap")
	catalog := at(cm, "data")
	not non_empty_object(catalog)
	msg := "ConfigMap product-catalog-products: data must hold the catalog's *.json files"
}

non_empty_object(x) if {
	is_object(x)
	count(x) > 0
}

deny contains msg if {
	some cm in by_kind("ConfigMap")
	some name, value in at(cm, "data")
	not catalog_file(name, value)
	msg := sprintf("ConfigMap product-catalog-products: data[%v] must be a *.json file holding JSON", [name])
}

catalog_file(name, value) if {
	regex.match(`^[a-z0-9_-]+\.json$`, name)
	is_string(value)
	json.is_valid(value)
}

# --- Deployment. ---

deployments := by_kind("Deployment")

deny contains msg if {
	some d in deployments
	not is_object(at(d, "spec"))
	msg := "Deployment: spec must be an object"
}

deny contains msg if {
	some d in deployments
	extra := keys_of(d.spec) - deployment_keys
	count(extra) > 0
	msg := sprintf("Deployment: spec fields %v are not allowed (only %v)", [sort(extra), sort(deployment_keys)])
}

deny contains msg if {
	some d in deployments
	at(d, ["spec", "replicas"]) != 3
	msg := "Deployment: spec.replicas must be 3"
}

deny contains msg if {
	some d in deployments
	v := at(d, ["spec", "revisionHistoryLimit"])
	v != null
	not is_number(v)
	msg := "Deployment: spec.revisionHistoryLimit must be a number"
}

deny contains msg if {
	some d in deployments
	at(d, ["spec", "selector"]) != {"matchLabels": app}
	msg := sprintf("Deployment: spec.selector must be exactly {matchLabels: %v}", [app])
}

deny contains msg if {
	some d in deployments
	at(d, ["spec", "strategy"]) != {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
	msg := "Deployment: spec.strategy must be a RollingUpdate with maxUnavailable: 0, maxSurge: 1, exactly"
}

deny contains msg if {
	some d in deployments
	template := at(d, ["spec", "template"])
	extra := keys_of(template) - {"metadata", "spec"}
	count(extra) > 0
	msg := sprintf("Deployment: spec.template fields %v are not allowed", [sort(extra)])
}

deny contains msg if {
	some d in deployments
	meta := at(d, ["spec", "template", "metadata"])
	meta != {"labels": app, "annotations": prometheus}
	msg := sprintf("Deployment: spec.template.metadata must be exactly labels %v and the Prometheus scrape annotations %v", [app, prometheus])
}

pods contains pod if {
	some d in deployments
	pod := at(d, ["spec", "template", "spec"])
}

deny contains msg if {
	some pod in pods
	not is_object(pod)
	msg := "Deployment: spec.template.spec must be an object"
}

deny contains msg if {
	some pod in pods
	extra := keys_of(pod) - pod_keys
	count(extra) > 0
	msg := sprintf("Deployment: spec.template.spec fields %v are not allowed (only %v): initContainers and ephemeralContainers included", [sort(extra), sort(pod_keys)])
}

deny contains msg if {
	some pod in pods
	at(pod, "serviceAccountName") != "product-catalog"
	msg := "Deployment: spec.template.spec.serviceAccountName must be product-catalog, its own"
}

deny contains msg if {
	some pod in pods
	at(pod, "automountServiceAccountToken") != false
	msg := "Deployment: spec.template.spec.automountServiceAccountToken must be false (the pod's setting overrides the ServiceAccount's)"
}

deny contains msg if {
	some pod in pods
	at(pod, "terminationGracePeriodSeconds") != 20
	msg := "Deployment: spec.template.spec.terminationGracePeriodSeconds must be 20 (above SHUTDOWN_DRAIN + SHUTDOWN_TIMEOUT)"
}

deny contains msg if {
	some pod in pods
	sc := at(pod, "securityContext")
	some field, want in pod_security_context
	at(sc, field) != want
	msg := sprintf("Deployment: spec.template.spec.securityContext.%v must be %v", [field, want])
}

deny contains msg if {
	some pod in pods
	sc := at(pod, "securityContext")
	extra := keys_of(sc) - object.keys(pod_security_context)
	count(extra) > 0
	msg := sprintf("Deployment: spec.template.spec.securityContext fields %v are not allowed", [sort(extra)])
}

deny contains msg if {
	some pod in pods
	at(pod, "topologySpreadConstraints") != topology_spread
	msg := "Deployment: spec.template.spec.topologySpreadConstraints must be exactly the two the docs name: nodes DoNotSchedule, zones ScheduleAnyway, each with matchLabelKeys [pod-template-hash] and nodeTaintsPolicy: Honor"
}

deny contains msg if {
	some pod in pods
	at(pod, "volumes") != volumes
	msg := sprintf("Deployment: spec.template.spec.volumes must be exactly %v", [volumes])
}

deny contains msg if {
	some pod in pods
	cs := at(pod, "containers")
	not one_service_container(cs)
	msg := "Deployment: spec.template.spec.containers must be one container, named product-catalog"
}

one_service_container(cs) if {
	is_array(cs)
	count(cs) == 1
	at(cs[0], "name") == "product-catalog"
}

# Every container of every kind, each held to the service container's
# settings: where is how the messages name it.
containers contains [where, c] if {
	some pod in pods
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in list_at(pod, field)
	where := sprintf("spec.template.spec.%v[%d] (%v)", [field, i, at(c, "name")])
}

deny contains msg if {
	some pod in pods
	some field in ["containers", "initContainers", "ephemeralContainers"]
	v := at(pod, field)
	v != null
	not is_array(v)
	msg := sprintf("Deployment: spec.template.spec.%v must be a list", [field])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	not is_object(c)
	msg := sprintf("Deployment: %v must be an object", [where])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	extra := keys_of(c) - container_keys
	count(extra) > 0
	msg := sprintf("Deployment: %v: fields %v are not allowed (only %v)", [where, sort(extra), sort(container_keys)])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	not regex.match(image_pattern, at(c, "image"))
	msg := sprintf("Deployment: %v: image must be ghcr.io/product-catalog/product-catalog or -ko, pinned by digest (@sha256:<64 hex>)", [where])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	sc := at(c, "securityContext")
	some field, want in container_security_context
	at(sc, field) != want
	msg := sprintf("Deployment: %v: securityContext.%v must be %v", [where, field, want])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	sc := at(c, "securityContext")
	extra := keys_of(sc) - object.keys(container_security_context)
	count(extra) > 0
	msg := sprintf("Deployment: %v: securityContext fields %v are not allowed (the pod's settings hold)", [where, sort(extra)])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	at(c, "resources") != resources
	msg := sprintf("Deployment: %v: resources must be exactly requests cpu 100m, memory 32Mi and limits memory 128Mi", [where])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	at(c, "ports") != ports
	msg := sprintf("Deployment: %v: ports must be exactly %v", [where, ports])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	at(c, "volumeMounts") != volume_mounts
	msg := sprintf("Deployment: %v: volumeMounts must be exactly %v", [where, volume_mounts])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	e := at(c, "env")
	not is_array(e)
	msg := sprintf("Deployment: %v: env must be a list", [where])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some i, e in list_at(c, "env")
	not env_entry(e)
	msg := sprintf("Deployment: %v: env[%d] is not allowed: only %v, each as {name, value}", [where, i, env])
}

env_entry(e) if {
	is_object(e)
	object.keys(e) == {"name", "value"}
	env[e.name] == e.value
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some name, value in env
	n := count([e | some e in list_at(c, "env"); at(e, "name") == name])
	n != 1
	msg := sprintf("Deployment: %v: env must set %v=%v once (it does %d times)", [where, name, value, n])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some probe, get in probes
	at(c, [probe, "httpGet"]) != get
	msg := sprintf("Deployment: %v: %v.httpGet must be exactly %v", [where, probe, get])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some probe, _ in probes
	p := at(c, probe)
	some field in keys_of(p)
	v := p[field]
	field != "httpGet"
	not probe_number(field, v)
	msg := sprintf("Deployment: %v: %v.%v is not allowed (only httpGet and the numbers %v)", [where, probe, field, sort(probe_numbers)])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some probe, want in probe_settings
	p := at(c, probe)
	some field in (keys_of(p) - object.keys(want))
	msg := sprintf("Deployment: %v: %v.%v is not allowed (the probe must be exactly %v)", [where, probe, field, want])
}

deny contains msg if {
	some pair in containers
	[where, c] := pair
	some probe, want in probe_settings
	some field, value in probe_timings[probe]
	at(c, [probe, field]) != value
	msg := sprintf("Deployment: %v: %v.%v must be %v (the probe must be exactly %v)", [where, probe, field, value, want])
}

probe_number(field, v) if {
	probe_numbers[field]
	is_number(v)
}

# --- Service, PodDisruptionBudget, HorizontalPodAutoscaler. ---

deny contains msg if {
	some s in by_kind("Service")
	want := {"selector": app, "ports": [{"name": "http", "port": 8088, "targetPort": "http", "protocol": "TCP"}]}
	at(s, "spec") != want
	msg := sprintf("Service: spec must be exactly %v (port 8088, REST and gRPC; a ClusterIP)", [want])
}

deny contains msg if {
	some p in by_kind("PodDisruptionBudget")
	at(p, ["spec", "maxUnavailable"]) != 1
	msg := "PodDisruptionBudget: spec.maxUnavailable must be 1"
}

deny contains msg if {
	some p in by_kind("PodDisruptionBudget")
	spec := at(p, "spec")
	[at(spec, "selector"), keys_of(spec)] != [{"matchLabels": app}, {"maxUnavailable", "selector"}]
	msg := sprintf("PodDisruptionBudget: spec must be maxUnavailable and selector {matchLabels: %v}, nothing else", [app])
}

deny contains msg if {
	some h in by_kind("HorizontalPodAutoscaler")
	[at(h, ["spec", "minReplicas"]), at(h, ["spec", "maxReplicas"])] != [3, 10]
	msg := "HorizontalPodAutoscaler: spec.minReplicas must be 3 and spec.maxReplicas 10"
}

deny contains msg if {
	some h in by_kind("HorizontalPodAutoscaler")
	want := [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
	at(h, ["spec", "metrics"]) != want
	msg := "HorizontalPodAutoscaler: spec.metrics must be exactly one, CPU at 70% average utilization"
}

deny contains msg if {
	some h in by_kind("HorizontalPodAutoscaler")
	at(h, ["spec", "scaleTargetRef"]) != {"apiVersion": "apps/v1", "kind": "Deployment", "name": "product-catalog"}
	msg := "HorizontalPodAutoscaler: spec.scaleTargetRef must be the Deployment product-catalog (apps/v1)"
}

deny contains msg if {
	some h in by_kind("HorizontalPodAutoscaler")
	extra := keys_of(at(h, "spec")) - {"scaleTargetRef", "minReplicas", "maxReplicas", "metrics"}
	count(extra) > 0
	msg := sprintf("HorizontalPodAutoscaler: spec fields %v are not allowed (a behavior is not in the docs)", [sort(extra)])
}

# --- NetworkPolicy: networkpolicy.rego's rules, on the rendered one. ---

deny contains msg if {
	some p in by_kind("NetworkPolicy")
	some m in data.main.deny with input as p
	msg := sprintf("NetworkPolicy: %v", [m])
}
