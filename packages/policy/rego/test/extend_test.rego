# An app policy wraps the base decision with its own rules through
# base.deny and base.grant.
package tessera.base_extend_test

import data.tessera.base

storage := {"name": "storage", "provides": {"kv-read": ["get", "list"], "kv-write": ["set"]}, "requires": []}

notes := {"name": "notes", "provides": {}, "requires": []}

req(methods) := {
	"subject": notes, "target": storage, "methods": methods,
	"context": {"time": "2024-01-01T00:00:00Z", "purpose": "request"},
}

# What an app's policy would write.
app_decision := base.grant(["get"], "notes may read storage (app rule)") if {
	input.subject.name == "notes"
	input.target.name == "storage"
} else := base.decision

test_app_rule_grants_with_data_ttl_and_terms if {
	d := app_decision with input as req([])
		with data.tessera.limits as [{"caller": "notes", "target": "storage", "rateLimit": {"perSecond": 5}}]
	d == {
		"allow": true, "methods": ["get"], "ttlSeconds": 3600,
		"reason": "notes may read storage (app rule)",
		"rateLimit": {"perSecond": 5},
	}
}

test_grant_drops_withheld_methods if {
	d := base.grant(["get", "list"], "r") with input as req([])
		with data.tessera.withhold as [{"caller": "notes", "target": "storage", "methods": ["list"]}]
	d.methods == ["get"]
}

test_grant_of_only_withheld_methods_is_denied if {
	d := base.grant(["list"], "r") with input as req([])
		with data.tessera.withhold as [{"caller": "*", "target": "*", "methods": ["list"]}]
	d.allow == false
	d.reason == "none of the methods [\"list\"] is granted (r)"
}

test_grant_without_ttl_is_denied if {
	d := base.grant(["get"], "r") with input as req([]) with data.tessera.ttl as {}
	d.allow == false
	d.reason == "no TTL configured for storage in data.tessera.ttl"
}

test_grant_narrows_to_the_requested_methods if {
	d := base.grant(["get", "list", "set"], "r") with input as req(["get"])
	d.methods == ["get"]
}

test_grant_obeys_the_deny_list if {
	d := app_decision with input as req([])
		with data.tessera.deny as [{"caller": "notes", "target": "storage", "reason": "kill switch"}]
	d.allow == false
	d.methods == []
}

test_grant_asks_the_operator_where_data_says_so if {
	d := app_decision with input as req(["get"])
		with data.tessera.ask as [{"caller": "notes", "target": "storage"}]
	d.allow == "ask"
	d.methods == ["get"]
}

test_grant_refuses_malformed_input if {
	d := base.grant(["get"], "r") with input as object.union(req([]), {"methods": "get"})
	d.allow == false
	startswith(d.reason, "malformed input")
}

test_deny_helper if {
	base.deny("closed") == {"allow": false, "methods": [], "ttlSeconds": 0, "reason": "closed"}
}

test_without_app_rule_the_base_decides if {
	d := app_decision with input as req([]) with input.subject.name as "audit"
	d.allow == false
	d.reason == "audit does not require any capability storage provides"
}
