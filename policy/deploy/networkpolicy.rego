# The NetworkPolicy of deploy/base, as an allowlist: the catalog's port is
# open only to client pods of namespaces that opted in by label (a
# namespace's labels are its administrator's, not its tenants'), and to the
# metrics scraper's namespace by name; the service calls no one. Anything
# else (an empty or missing namespaceSelector, which means every namespace;
# matchExpressions; an ipBlock; another port; any egress) is denied.
package main

import rego.v1

client_pods := {"product-catalog.io/client": "true"}

client_namespaces := {"product-catalog.io/clients": "true"}

scraper_namespaces := {"kubernetes.io/metadata.name": "monitoring"}

# Each allowed peer, exactly: the namespaces and the pods in them.
allowed_peers := [
	{"namespaceSelector": {"matchLabels": client_namespaces}, "podSelector": {"matchLabels": client_pods}},
	{"namespaceSelector": {"matchLabels": scraper_namespaces}},
]

policies contains p if {
	input.kind == "NetworkPolicy"
	p := input
}

deny contains msg if {
	not input.kind == "NetworkPolicy"
	msg := sprintf("kind %v: this policy reads only NetworkPolicy", [object.get(input, "kind", "(none)")])
}

deny contains msg if {
	some p in policies
	object.get(p, ["spec", "podSelector", "matchLabels"], {}) != {"app.kubernetes.io/name": "product-catalog"}
	msg := "spec.podSelector must select the catalog's pods by app.kubernetes.io/name: product-catalog, exactly"
}

deny contains msg if {
	some p in policies
	object.get(p, ["spec", "policyTypes"], []) != ["Ingress", "Egress"]
	msg := "spec.policyTypes must be [Ingress, Egress]: a type left out is not enforced"
}

deny contains msg if {
	some p in policies
	object.get(p, ["spec", "egress"], null) != []
	msg := "spec.egress must be []: the service calls no one"
}

deny contains msg if {
	some p in policies
	count(object.get(p, ["spec", "ingress"], [])) != 1
	msg := "spec.ingress must hold one rule: the port, from the allowed peers"
}

deny contains msg if {
	some p in policies
	some rule in object.get(p, ["spec", "ingress"], [])
	object.get(rule, "ports", null) != [{"port": "http", "protocol": "TCP"}]
	msg := "spec.ingress[].ports must be [{port: http, protocol: TCP}], exactly"
}

deny contains msg if {
	some p in policies
	some rule in object.get(p, ["spec", "ingress"], [])
	some i, peer in object.get(rule, "from", [])
	not peer in allowed_peers
	msg := sprintf("spec.ingress[].from[%d] is not an allowed peer (client pods in namespaces labelled product-catalog.io/clients: \"true\", or the monitoring namespace by name): %v", [i, peer])
}

deny contains msg if {
	some p in policies
	some rule in object.get(p, ["spec", "ingress"], [])
	count(object.get(rule, "from", [])) == 0
	msg := "spec.ingress[].from must name its peers: without it, anyone may connect"
}
