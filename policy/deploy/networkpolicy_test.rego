package main

import rego.v1

ours := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "product-catalog"},
	"spec": {
		"podSelector": {"matchLabels": {"app.kubernetes.io/name": "product-catalog"}},
		"policyTypes": ["Ingress", "Egress"],
		"ingress": [{
			"from": [
				{
					"namespaceSelector": {"matchLabels": {"product-catalog.io/clients": "true"}},
					"podSelector": {"matchLabels": {"product-catalog.io/client": "true"}},
				},
				{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
			],
			"ports": [{"port": "http", "protocol": "TCP"}],
		}],
		"egress": [],
	},
}

denied(patch, reason) if {
	some msg in deny with input as json.patch(ours, patch)
	contains(msg, reason)
}

test_ours_passes if {
	count(deny) == 0 with input as ours
}

# Last release's bypass: any namespace whose pods label themselves clients.
test_any_namespace if {
	denied([{"op": "replace", "path": "/spec/ingress/0/from/0/namespaceSelector", "value": {}}], "not an allowed peer")
}

test_missing_namespace_selector if {
	denied([{"op": "remove", "path": "/spec/ingress/0/from/0/namespaceSelector"}], "not an allowed peer")
}

test_match_expressions if {
	denied([{"op": "add", "path": "/spec/ingress/0/from/0/namespaceSelector/matchExpressions", "value": [{"key": "x", "operator": "Exists"}]}], "not an allowed peer")
}

test_ip_block if {
	denied([{"op": "add", "path": "/spec/ingress/0/from/-", "value": {"ipBlock": {"cidr": "0.0.0.0/0"}}}], "not an allowed peer")
}

test_scraper_by_another_label if {
	denied([{"op": "replace", "path": "/spec/ingress/0/from/1/namespaceSelector/matchLabels", "value": {"team": "monitoring"}}], "not an allowed peer")
}

test_no_from if {
	denied([{"op": "remove", "path": "/spec/ingress/0/from"}], "must name its peers")
}

test_second_rule if {
	denied([{"op": "add", "path": "/spec/ingress/-", "value": {"ports": [{"port": 9090}]}}], "one rule")
}

test_all_ports if {
	denied([{"op": "remove", "path": "/spec/ingress/0/ports"}], "ports must be")
}

test_egress_opened if {
	denied([{"op": "replace", "path": "/spec/egress", "value": [{}]}], "egress must be []")
}

test_egress_type_dropped if {
	denied([{"op": "replace", "path": "/spec/policyTypes", "value": ["Ingress"]}], "policyTypes")
}

test_other_pods if {
	denied([{"op": "replace", "path": "/spec/podSelector", "value": {}}], "podSelector")
}

test_not_a_network_policy if {
	denied([{"op": "replace", "path": "/kind", "value": "Service"}], "reads only NetworkPolicy")
}
