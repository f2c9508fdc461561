package workflow.reviewed

import rego.v1

test_equal_documents_do_not_differ if {
	count(differences({"a": [1, {"b": true}]}, {"a": [1, {"b": true}]})) == 0
}

test_each_difference_once if {
	differences({"a": [1, 2], "b": {"c": 1, "x": 0}, "d": "s", "e": [1]}, {"a": [1], "b": {"c": 2}, "d": {"k": 1}, "e": [1, 2], "f": null}) == {
		`a.1 is not in the reviewed workflow (it holds 2)`,
		`b.c is 1, want 2`,
		`b.x is not in the reviewed workflow (it holds 0)`,
		`d is "s", want {"k":1}`,
		`e.1 is missing, want 2`,
		`f is missing, want null`,
	}
}

test_on_read_as_true if {
	normalized({"true": {"push": null}}) == {"on": {"push": null}}
	normalized({"on": 1}) == {"on": 1}
}
