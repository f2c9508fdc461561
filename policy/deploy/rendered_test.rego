package rendered

import rego.v1

# The ko overlay as kubectl kustomize renders it, as conftest --combine
# reads it (the ConfigMap's catalog cut to one file). Documents: 0
# Namespace, 1 ServiceAccount, 2 ConfigMap, 3 Service, 4 Deployment, 5
# PodDisruptionBudget, 6 HorizontalPodAutoscaler, 7 NetworkPolicy.
ours := [{"path": "rendered.yaml", "contents": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog", "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.31", "pod-security.kubernetes.io/warn": "restricted", "policy.sigstore.dev/include": "true"}, "name": "product-catalog"}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "v1", "automountServiceAccountToken": false, "kind": "ServiceAccount", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "v1", "data": {"coffee.json": "{\"products\": []}"}, "kind": "ConfigMap", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog-products", "namespace": "product-catalog"}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "v1", "kind": "Service", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}, "spec": {"ports": [{"name": "http", "port": 8088, "protocol": "TCP", "targetPort": "http"}], "selector": {"app.kubernetes.io/name": "product-catalog"}}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}, "spec": {"replicas": 3, "revisionHistoryLimit": 5, "selector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}}, "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}, "type": "RollingUpdate"}, "template": {"metadata": {"annotations": {"prometheus.io/path": "/metrics", "prometheus.io/port": "8088", "prometheus.io/scrape": "true"}, "labels": {"app.kubernetes.io/name": "product-catalog"}}, "spec": {"automountServiceAccountToken": false, "containers": [{"env": [{"name": "PRODUCT_CATALOG_PORT", "value": "8088"}, {"name": "PRODUCT_CATALOG_DIR", "value": "/catalog"}, {"name": "PRODUCT_CATALOG_RELOAD_INTERVAL", "value": "2s"}, {"name": "SHUTDOWN_DRAIN", "value": "5s"}, {"name": "SHUTDOWN_TIMEOUT", "value": "10s"}], "image": "ghcr.io/product-catalog/product-catalog-ko@sha256:0000000000000000000000000000000000000000000000000000000000000000", "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}, "name": "product-catalog", "ports": [{"containerPort": 8088, "name": "http", "protocol": "TCP"}], "readinessProbe": {"failureThreshold": 1, "httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 2}, "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "100m", "memory": "32Mi"}}, "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}, "startupProbe": {"failureThreshold": 30, "httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 1}, "volumeMounts": [{"mountPath": "/catalog", "name": "catalog", "readOnly": true}]}], "securityContext": {"runAsGroup": 65532, "runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}}, "serviceAccountName": "product-catalog", "terminationGracePeriodSeconds": 20, "topologySpreadConstraints": [{"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}}, "matchLabelKeys": ["pod-template-hash"], "maxSkew": 1, "nodeTaintsPolicy": "Honor", "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule"}, {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}}, "matchLabelKeys": ["pod-template-hash"], "maxSkew": 1, "nodeTaintsPolicy": "Honor", "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}], "volumes": [{"configMap": {"name": "product-catalog-products"}, "name": "catalog"}]}}}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}, "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}}}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}, "spec": {"maxReplicas": 10, "metrics": [{"resource": {"name": "cpu", "target": {"averageUtilization": 70, "type": "Utilization"}}, "type": "Resource"}], "minReplicas": 3, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "product-catalog"}}}}, {"path": "rendered.yaml", "contents": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"labels": {"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "product-catalog"}, "name": "product-catalog", "namespace": "product-catalog"}, "spec": {"egress": [], "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"product-catalog.io/clients": "true"}}, "podSelector": {"matchLabels": {"product-catalog.io/client": "true"}}}, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}], "ports": [{"port": "http", "protocol": "TCP"}]}], "podSelector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}}, "policyTypes": ["Ingress", "Egress"]}}}]

pod := "/4/contents/spec/template/spec"

container := "/4/contents/spec/template/spec/containers/0"

denied(patch, reason) if {
	some msg in deny with input as json.patch(ours, patch)
	contains(msg, reason)
}

test_ours_passes if {
	count(deny) == 0 with input as ours
}

test_dockerfile_image_passes if {
	count(deny) == 0 with input as json.patch(ours, [{"op": "replace", "path": concat("", [container, "/image"]), "value": "ghcr.io/product-catalog/product-catalog@sha256:0000000000000000000000000000000000000000000000000000000000000000"}])
}

test_not_combined if {
	some msg in deny with input as ours[4].contents
	contains(msg, "--combine")
}

test_document_not_an_object if {
	denied([{"op": "add", "path": "/-", "value": {"path": "x", "contents": "text"}}], "is not an object")
}

# --- The set of objects. ---

test_object_missing if {
	denied([{"op": "remove", "path": "/5"}], "PodDisruptionBudget: the rendering must hold exactly one, it holds 0")
}

test_object_twice if {
	denied([{"op": "add", "path": "/-", "value": ours[4]}], "Deployment: the rendering must hold exactly one, it holds 2")
}

test_other_kind if {
	denied([{"op": "add", "path": "/-", "value": {"path": "x", "contents": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "x"}}}}], "kind RoleBinding (x) is not one")
}

test_no_kind if {
	denied([{"op": "remove", "path": "/5/contents/kind"}], "kind null")
}

test_api_version_missing if {
	denied([{"op": "remove", "path": "/6/contents/apiVersion"}], "HorizontalPodAutoscaler: apiVersion must be autoscaling/v2")
}

test_other_name if {
	denied([{"op": "replace", "path": "/2/contents/metadata/name", "value": "product-catalog-products-5f9c"}], "metadata.name must be product-catalog-products")
}

test_other_namespace if {
	denied([{"op": "replace", "path": "/3/contents/metadata/namespace", "value": "default"}], "Service product-catalog: metadata.namespace must be product-catalog")
}

test_service_account_secrets if {
	denied([{"op": "add", "path": "/1/contents/secrets", "value": [{"name": "token"}]}], "ServiceAccount: fields [\"secrets\"] are not allowed")
}

test_config_map_binary_data if {
	denied([{"op": "add", "path": "/2/contents/binaryData", "value": {"x": "AA=="}}], "ConfigMap: fields [\"binaryData\"] are not allowed")
}

# --- Namespace. ---

test_pod_security_privileged if {
	denied([{"op": "replace", "path": "/0/contents/metadata/labels/pod-security.kubernetes.io~1enforce", "value": "privileged"}], "pod-security.kubernetes.io labels must be exactly")
}

test_pod_security_missing if {
	denied([{"op": "remove", "path": "/0/contents/metadata/labels"}], "pod-security.kubernetes.io labels must be exactly")
}

test_sigstore_opt_out if {
	denied([{"op": "replace", "path": "/0/contents/metadata/labels/policy.sigstore.dev~1include", "value": true}], "policy.sigstore.dev/include")
}

# --- ServiceAccount, ConfigMap. ---

test_service_account_token_missing if {
	denied([{"op": "remove", "path": "/1/contents/automountServiceAccountToken"}], "ServiceAccount: automountServiceAccountToken must be false")
}

test_service_account_token_string if {
	denied([{"op": "replace", "path": "/1/contents/automountServiceAccountToken", "value": "false"}], "ServiceAccount: automountServiceAccountToken must be false")
}

test_catalog_empty if {
	denied([{"op": "replace", "path": "/2/contents/data", "value": {}}], "data must hold the catalog")
}

test_catalog_not_json if {
	denied([{"op": "add", "path": "/2/contents/data/run.sh", "value": "#!/bin/sh"}], "data[run.sh] must be a *.json file holding JSON")
}

# --- Deployment. ---

test_replicas if {
	denied([{"op": "replace", "path": "/4/contents/spec/replicas", "value": "3"}], "spec.replicas must be 3")
}

test_deployment_extra_field if {
	denied([{"op": "add", "path": "/4/contents/spec/paused", "value": true}], "spec fields [\"paused\"] are not allowed")
}

test_strategy if {
	denied([{"op": "replace", "path": "/4/contents/spec/strategy/rollingUpdate/maxUnavailable", "value": 1}], "maxUnavailable: 0, maxSurge: 1")
}

test_selector if {
	denied([{"op": "replace", "path": "/4/contents/spec/selector", "value": {}}], "spec.selector must be exactly")
}

test_annotations_missing if {
	denied([{"op": "remove", "path": "/4/contents/spec/template/metadata/annotations"}], "Prometheus scrape annotations")
}

test_pod_token_missing if {
	denied([{"op": "remove", "path": concat("", [pod, "/automountServiceAccountToken"])}], "spec.template.spec.automountServiceAccountToken must be false")
}

test_pod_token_true if {
	denied([{"op": "replace", "path": concat("", [pod, "/automountServiceAccountToken"]), "value": true}], "spec.template.spec.automountServiceAccountToken must be false")
}

test_service_account_default if {
	denied([{"op": "remove", "path": concat("", [pod, "/serviceAccountName"])}], "serviceAccountName must be product-catalog")
}

test_grace_period if {
	denied([{"op": "replace", "path": concat("", [pod, "/terminationGracePeriodSeconds"]), "value": 30}], "terminationGracePeriodSeconds must be 20")
}

test_run_as_root if {
	denied([{"op": "replace", "path": concat("", [pod, "/securityContext/runAsUser"]), "value": 0}], "securityContext.runAsUser must be 65532")
}

test_run_as_non_root_missing if {
	denied([{"op": "remove", "path": concat("", [pod, "/securityContext/runAsNonRoot"])}], "securityContext.runAsNonRoot must be true")
}

test_run_as_group_string if {
	denied([{"op": "replace", "path": concat("", [pod, "/securityContext/runAsGroup"]), "value": "65532"}], "securityContext.runAsGroup must be 65532")
}

test_seccomp_unconfined if {
	denied([{"op": "replace", "path": concat("", [pod, "/securityContext/seccompProfile/type"]), "value": "Unconfined"}], "securityContext.seccompProfile must be")
}

test_pod_security_context_extra if {
	denied([{"op": "add", "path": concat("", [pod, "/securityContext/sysctls"]), "value": []}], "securityContext fields [\"sysctls\"] are not allowed")
}

test_pod_security_context_not_object if {
	denied([{"op": "replace", "path": concat("", [pod, "/securityContext"]), "value": "restricted"}], "securityContext.runAsNonRoot must be true")
}

test_host_network if {
	denied([{"op": "add", "path": concat("", [pod, "/hostNetwork"]), "value": true}], "spec.template.spec fields [\"hostNetwork\"] are not allowed")
}

test_topology_spread_not_honoring_taints if {
	denied([{"op": "remove", "path": concat("", [pod, "/topologySpreadConstraints/0/nodeTaintsPolicy"])}], "topologySpreadConstraints must be exactly")
}

test_host_path_volume if {
	denied([{"op": "add", "path": concat("", [pod, "/volumes/-"]), "value": {"name": "host", "hostPath": {"path": "/"}}}], "volumes must be exactly")
}

sidecar := {"name": "sidecar", "image": "busybox"}

test_second_container if {
	denied([{"op": "add", "path": concat("", [pod, "/containers/-"]), "value": sidecar}], "containers must be one container")
	denied([{"op": "add", "path": concat("", [pod, "/containers/-"]), "value": sidecar}], "containers[1] (sidecar): securityContext.readOnlyRootFilesystem must be true")
	denied([{"op": "add", "path": concat("", [pod, "/containers/-"]), "value": sidecar}], "containers[1] (sidecar): resources must be exactly")
}

test_init_container if {
	denied([{"op": "add", "path": concat("", [pod, "/initContainers"]), "value": [sidecar]}], "spec.template.spec fields [\"initContainers\"] are not allowed")
	denied([{"op": "add", "path": concat("", [pod, "/initContainers"]), "value": [sidecar]}], "initContainers[0] (sidecar): image must be")
}

test_init_container_copy if {
	# The service container itself, as an init container: every setting
	# holds, the field alone is refused.
	denied([{"op": "add", "path": concat("", [pod, "/initContainers"]), "value": [ours[4].contents.spec.template.spec.containers[0]]}], "fields [\"initContainers\"] are not allowed")
}

test_ephemeral_container if {
	denied([{"op": "add", "path": concat("", [pod, "/ephemeralContainers"]), "value": [sidecar]}], "spec.template.spec fields [\"ephemeralContainers\"] are not allowed")
	denied([{"op": "add", "path": concat("", [pod, "/ephemeralContainers"]), "value": [sidecar]}], "ephemeralContainers[0] (sidecar): securityContext.allowPrivilegeEscalation must be false")
}

test_containers_not_a_list if {
	denied([{"op": "add", "path": concat("", [pod, "/initContainers"]), "value": {"a": sidecar}}], "initContainers must be a list")
}

test_container_renamed if {
	denied([{"op": "replace", "path": concat("", [container, "/name"]), "value": "app"}], "named product-catalog")
}

test_image_tag if {
	denied([{"op": "replace", "path": concat("", [container, "/image"]), "value": "ghcr.io/product-catalog/product-catalog:latest"}], "pinned by digest")
}

test_image_other_repository if {
	denied([{"op": "replace", "path": concat("", [container, "/image"]), "value": "docker.io/library/nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000"}], "image must be ghcr.io/product-catalog")
}

test_image_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/image"])}], "image must be")
}

test_container_command if {
	denied([{"op": "add", "path": concat("", [container, "/command"]), "value": ["/bin/sh"]}], "fields [\"command\"] are not allowed")
}

test_read_only_root_false if {
	denied([{"op": "replace", "path": concat("", [container, "/securityContext/readOnlyRootFilesystem"]), "value": false}], "securityContext.readOnlyRootFilesystem must be true")
}

test_escalation_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/securityContext/allowPrivilegeEscalation"])}], "securityContext.allowPrivilegeEscalation must be false")
}

test_capability_added if {
	denied([{"op": "add", "path": concat("", [container, "/securityContext/capabilities/add"]), "value": ["NET_ADMIN"]}], "securityContext.capabilities must be")
}

test_privileged if {
	denied([{"op": "add", "path": concat("", [container, "/securityContext/privileged"]), "value": true}], "securityContext fields [\"privileged\"] are not allowed")
}

test_container_run_as_root if {
	denied([{"op": "add", "path": concat("", [container, "/securityContext/runAsUser"]), "value": 0}], "securityContext fields [\"runAsUser\"] are not allowed")
}

test_memory_limit_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/resources/limits/memory"])}], "resources must be exactly")
}

test_cpu_request_changed if {
	denied([{"op": "replace", "path": concat("", [container, "/resources/requests/cpu"]), "value": "1"}], "resources must be exactly")
}

test_ports if {
	denied([{"op": "add", "path": concat("", [container, "/ports/-"]), "value": {"containerPort": 6060}}], "ports must be exactly")
}

test_volume_mount_writable if {
	denied([{"op": "replace", "path": concat("", [container, "/volumeMounts/0/readOnly"]), "value": false}], "volumeMounts must be exactly")
}

test_env_drain_changed if {
	denied([{"op": "replace", "path": concat("", [container, "/env/3/value"]), "value": "0"}], "env[3] is not allowed")
}

test_env_extra if {
	denied([{"op": "add", "path": concat("", [container, "/env/-"]), "value": {"name": "GODEBUG", "value": "x"}}], "env[5] is not allowed")
}

test_env_drain_removed if {
	denied([{"op": "remove", "path": concat("", [container, "/env/3"])}], "env must set SHUTDOWN_DRAIN=5s once (it does 0 times)")
}

test_env_twice if {
	denied([{"op": "add", "path": concat("", [container, "/env/-"]), "value": {"name": "SHUTDOWN_TIMEOUT", "value": "10s"}}], "env must set SHUTDOWN_TIMEOUT=10s once (it does 2 times)")
}

test_env_from_secret if {
	denied([{"op": "replace", "path": concat("", [container, "/env/1"]), "value": {"name": "PRODUCT_CATALOG_DIR", "valueFrom": {"secretKeyRef": {"name": "x", "key": "y"}}}}], "env[1] is not allowed")
}

test_env_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/env"])}], "env must be a list")
}

test_liveness_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/livenessProbe"])}], "livenessProbe.httpGet must be exactly")
}

test_readiness_on_healthz if {
	denied([{"op": "replace", "path": concat("", [container, "/readinessProbe/httpGet/path"]), "value": "/healthz"}], "readinessProbe.httpGet must be exactly")
}

test_startup_exec if {
	denied([{"op": "add", "path": concat("", [container, "/startupProbe/exec"]), "value": {"command": ["true"]}}], "startupProbe.exec is not allowed")
}

test_probe_period_string if {
	denied([{"op": "replace", "path": concat("", [container, "/readinessProbe/periodSeconds"]), "value": "2"}], "readinessProbe.periodSeconds is not allowed")
}

# --- Service, PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy. ---

test_service_node_port if {
	denied([{"op": "add", "path": "/3/contents/spec/type", "value": "NodePort"}], "Service: spec must be exactly")
}

test_pdb_max_unavailable if {
	denied([{"op": "replace", "path": "/5/contents/spec/maxUnavailable", "value": 2}], "PodDisruptionBudget: spec.maxUnavailable must be 1")
}

test_pdb_max_unavailable_percent if {
	denied([{"op": "replace", "path": "/5/contents/spec/maxUnavailable", "value": "100%"}], "PodDisruptionBudget: spec.maxUnavailable must be 1")
}

test_pdb_min_available if {
	denied([{"op": "add", "path": "/5/contents/spec/minAvailable", "value": 0}], "PodDisruptionBudget: spec must be maxUnavailable and selector")
}

test_pdb_selector if {
	denied([{"op": "replace", "path": "/5/contents/spec/selector/matchLabels", "value": {"app": "other"}}], "PodDisruptionBudget: spec must be maxUnavailable and selector")
}

test_hpa_min if {
	denied([{"op": "replace", "path": "/6/contents/spec/minReplicas", "value": 1}], "minReplicas must be 3 and spec.maxReplicas 10")
}

test_hpa_max if {
	denied([{"op": "replace", "path": "/6/contents/spec/maxReplicas", "value": 100}], "minReplicas must be 3 and spec.maxReplicas 10")
}

test_hpa_target if {
	denied([{"op": "replace", "path": "/6/contents/spec/metrics/0/resource/target/averageUtilization", "value": 90}], "CPU at 70%")
}

test_hpa_behavior if {
	denied([{"op": "add", "path": "/6/contents/spec/behavior", "value": {}}], "spec fields [\"behavior\"] are not allowed")
}

test_hpa_other_target if {
	denied([{"op": "replace", "path": "/6/contents/spec/scaleTargetRef/name", "value": "other"}], "scaleTargetRef must be")
}

test_network_policy_opened if {
	denied([{"op": "replace", "path": "/7/contents/spec/egress", "value": [{}]}], "NetworkPolicy: spec.egress must be []")
}

# --- Metadata: every object's and the pod template's, exactly. ---

test_namespace_istio_injection if {
	denied([{"op": "add", "path": "/0/contents/metadata/labels/istio-injection", "value": "enabled"}], "Namespace product-catalog: metadata.labels[\"istio-injection\"] is not allowed")
}

test_namespace_linkerd_inject if {
	denied([{"op": "add", "path": "/0/contents/metadata/annotations", "value": {"linkerd.io/inject": "enabled"}}], "Namespace product-catalog: metadata.annotations[\"linkerd.io/inject\"] is not allowed")
	denied([{"op": "add", "path": "/0/contents/metadata/annotations", "value": {"linkerd.io/inject": "enabled"}}], "Namespace product-catalog: metadata.annotations is not allowed")
}

test_service_account_role_arn if {
	denied([{"op": "add", "path": "/1/contents/metadata/annotations", "value": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}}], "ServiceAccount product-catalog: metadata.annotations[\"eks.amazonaws.com/role-arn\"] is not allowed")
}

test_service_account_workload_identity if {
	denied([{"op": "add", "path": "/1/contents/metadata/labels/azure.workload.identity~1use", "value": "true"}], "ServiceAccount product-catalog: metadata.labels[\"azure.workload.identity/use\"] is not allowed")
}

test_empty_annotations if {
	denied([{"op": "add", "path": "/2/contents/metadata/annotations", "value": {}}], "ConfigMap product-catalog-products: metadata.annotations is not allowed")
}

test_owner_references if {
	denied([{"op": "add", "path": "/2/contents/metadata/ownerReferences", "value": [{"apiVersion": "v1", "kind": "Secret", "name": "x", "uid": "1"}]}], "ConfigMap product-catalog-products: metadata.ownerReferences is not allowed")
}

test_finalizers if {
	denied([{"op": "add", "path": "/0/contents/metadata/finalizers", "value": ["example.com/keep"]}], "Namespace product-catalog: metadata.finalizers is not allowed")
}

test_namespace_namespaced if {
	denied([{"op": "add", "path": "/0/contents/metadata/namespace", "value": "default"}], "Namespace product-catalog: metadata.namespace is not allowed")
}

test_service_proxy_name_label if {
	denied([{"op": "add", "path": "/3/contents/metadata/labels/service.kubernetes.io~1service-proxy-name", "value": "none"}], "Service product-catalog: metadata.labels[\"service.kubernetes.io/service-proxy-name\"] is not allowed")
}

test_label_changed if {
	denied([{"op": "replace", "path": "/7/contents/metadata/labels/app.kubernetes.io~1part-of", "value": "other"}], "NetworkPolicy product-catalog: metadata.labels[\"app.kubernetes.io/part-of\"] must be \"product-catalog\"")
}

test_labels_missing if {
	denied([{"op": "remove", "path": "/5/contents/metadata/labels"}], "PodDisruptionBudget product-catalog: metadata.labels[\"app.kubernetes.io/name\"] must be \"product-catalog\"")
}

test_labels_not_object if {
	denied([{"op": "replace", "path": "/6/contents/metadata/labels", "value": "app"}], "HorizontalPodAutoscaler product-catalog: metadata.labels must be an object")
}

test_metadata_not_object if {
	denied([{"op": "replace", "path": "/1/contents/metadata", "value": []}], "ServiceAccount null: metadata must be an object")
}

test_pod_template_annotation_extra if {
	denied([{"op": "add", "path": "/4/contents/spec/template/metadata/annotations/sidecar.istio.io~1inject", "value": "true"}], "Deployment product-catalog: spec.template.metadata.annotations[\"sidecar.istio.io/inject\"] is not allowed")
}

test_pod_template_label_extra if {
	denied([{"op": "add", "path": "/4/contents/spec/template/metadata/labels/azure.workload.identity~1use", "value": "true"}], "Deployment product-catalog: spec.template.metadata.labels[\"azure.workload.identity/use\"] is not allowed")
}

test_pod_template_annotation_changed if {
	denied([{"op": "replace", "path": "/4/contents/spec/template/metadata/annotations/prometheus.io~1port", "value": 8088}], "Deployment product-catalog: spec.template.metadata.annotations[\"prometheus.io/port\"] must be \"8088\"")
}

test_pod_template_name if {
	denied([{"op": "add", "path": "/4/contents/spec/template/metadata/name", "value": "x"}], "Deployment product-catalog: spec.template.metadata.name is not allowed")
}

# --- Probes: every key and value, exactly. ---

test_liveness_failure_threshold_huge if {
	denied([{"op": "replace", "path": concat("", [container, "/livenessProbe/failureThreshold"]), "value": 2147483647}], "livenessProbe.failureThreshold must be 3")
}

test_liveness_initial_delay_huge if {
	denied([{"op": "add", "path": concat("", [container, "/livenessProbe/initialDelaySeconds"]), "value": 2147483647}], "livenessProbe.initialDelaySeconds is not allowed (the probe must be exactly")
}

test_readiness_initial_delay if {
	denied([{"op": "add", "path": concat("", [container, "/readinessProbe/initialDelaySeconds"]), "value": 0}], "readinessProbe.initialDelaySeconds is not allowed")
}

test_startup_period_missing if {
	denied([{"op": "remove", "path": concat("", [container, "/startupProbe/periodSeconds"])}], "startupProbe.periodSeconds must be 1")
}

test_readiness_threshold_string if {
	denied([{"op": "replace", "path": concat("", [container, "/readinessProbe/failureThreshold"]), "value": "1"}], "readinessProbe.failureThreshold must be 1")
}

test_liveness_timeout if {
	denied([{"op": "add", "path": concat("", [container, "/livenessProbe/timeoutSeconds"]), "value": 1}], "livenessProbe.timeoutSeconds is not allowed")
}

test_sidecar_probes if {
	denied([{"op": "add", "path": concat("", [pod, "/containers/-"]), "value": sidecar}], "containers[1] (sidecar): livenessProbe.failureThreshold must be 3")
}
