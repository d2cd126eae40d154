# Delegation: consent comes from data.tessera.delegation only.
package tessera.base_test

import data.tessera.base

audit := {"name": "audit", "provides": {}, "requires": ["kv-watch"]}

kv := {
	"name": "storage", "provides": {
		"kv-read": ["get", "list"],
		"kv-write": ["set", "delete"],
		"kv-watch": ["event:changed"],
	},
	"requires": [],
}

share := [{"from": "notes", "target": "storage", "to": "audit", "methods": ["get"]}]

delegate(methods, chain) := {
	"subject": audit, "target": kv, "methods": methods,
	"delegation": {"from": chain[count(chain) - 1], "chain": chain},
	"context": {"time": "2024-01-01T00:00:00Z", "purpose": "delegate"},
}

test_delegation_allowed_by_an_entry if {
	d := base.decision with input as delegate(["get"], ["notes"]) with data.tessera.delegation as share
	d.allow == true
	d.methods == ["get"]
	d.ttlSeconds == 3600
	d.reason == "notes may delegate get on storage to audit"
}

test_delegation_never_by_capabilities_alone if {
	# audit requires kv-watch, but that is a request's rule, never a delegation's.
	d := base.decision with input as delegate(["event:changed"], ["notes"]) with data.tessera.delegation as []
	d.allow == false
	d.reason == "notes may not delegate storage to audit (no entry in data.tessera.delegation)"
}

test_delegation_list_not_a_list_is_no_consent if {
	d := base.decision with input as delegate(["get"], ["notes"]) with data.tessera.delegation as "all"
	d.allow == false
}

test_delegation_outside_the_entry_methods_is_denied if {
	d := base.decision with input as delegate(["set"], ["notes"]) with data.tessera.delegation as share
	d.allow == false
	startswith(d.reason, "none of the requested methods")
}

test_delegation_entry_without_methods_allows_what_is_asked if {
	any := [{"from": "*", "target": "storage", "to": "audit"}]
	d := base.decision with input as delegate(["list", "get"], ["notes"]) with data.tessera.delegation as any
	d.allow == true
	d.methods == ["get", "list"]
	d.reason == "notes may delegate get, list on storage to audit"
}

test_redelegation_needs_redelegate if {
	again := [{"from": "mail", "target": "storage", "to": "audit", "methods": ["get"]}]
	d := base.decision with input as delegate(["get"], ["notes", "mail"]) with data.tessera.delegation as again
	d.allow == false
	allowed := [object.union(again[0], {"redelegate": true})]
	ok := base.decision with input as delegate(["get"], ["notes", "mail"]) with data.tessera.delegation as allowed
	ok.allow == true
}

test_deny_list_wins_over_a_delegation if {
	d := base.decision with input as delegate(["get"], ["notes"])
		with data.tessera.delegation as share
		with data.tessera.deny as [{"caller": "audit", "target": "storage", "reason": "quarantined"}]
	d.allow == false
	d.reason == "denied by deny list: audit -> storage (quarantined)"
}

test_reevaluated_delegation_uses_the_same_consent if {
	again := object.union(delegate(["get"], ["notes"]), {"context": {"purpose": "reevaluate"}})
	d := base.decision with input as again with data.tessera.delegation as share
	d.allow == true
	gone := base.decision with input as again with data.tessera.delegation as []
	gone.allow == false
}

test_malformed_delegation_is_denied if {
	bad := object.union(delegate(["get"], ["notes"]), {"delegation": {"from": "notes", "chain": ["other"]}})
	d := base.decision with input as bad with data.tessera.delegation as share
	d.allow == false
	contains(d.reason, "delegation must be {from, chain}")
}

test_delegate_purpose_without_delegation_is_denied if {
	bare := object.remove(delegate(["get"], ["notes"]), ["delegation"])
	d := base.decision with input as bare with data.tessera.delegation as share
	d.allow == false
	contains(d.reason, "context.purpose \"delegate\" needs input.delegation")
}
