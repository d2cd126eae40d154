# Explicit rules for the system identities: core and operator.
package tessera.base_test

import data.tessera.base

core := {"name": "core", "provides": {"core": ["requestModule", "releaseModule", "load"]}, "requires": []}

operator := {"name": "operator", "provides": {}, "requires": []}

op_req(target, methods) := {
	"subject": operator, "target": target, "methods": methods,
	"context": {"time": "2024-01-01T00:00:00Z", "purpose": "request", "operator": true},
}

test_module_may_request_and_release_through_core if {
	d := base.decision with input as req(notes, core, [])
	d.allow == true
	d.methods == ["delegate", "register", "releaseModule", "reportDenials", "requestModule"]
	d.reason == "notes may register with the core and request and release modules"
}

test_module_may_not_load_through_core if {
	d := base.decision with input as req(notes, core, ["load"])
	d.allow == false
}

test_core_gets_no_core_rule_for_itself if {
	d := base.decision with input as req(core, core, [])
	d.allow == false
	d.reason == "core does not require any capability core provides"
}

test_operator_manages_core if {
	d := base.decision with input as op_req(core, [])
	d.allow == true
	d.methods == ["approvals", "approve", "auditEvents", "callModule", "createJoinCredential", "credentials", "deny", "event:approvalChanged", "event:grantChanged", "event:security", "evict", "grants", "hosts", "listLoaded", "listModules", "load", "methods", "policyEval", "policyStatus", "requestModule", "revoke", "revokeCredential", "stats", "unload"]
	d.ttlSeconds == 900
}

test_operator_calls_any_module_method if {
	d := base.decision with input as op_req(storage, [])
	d.allow == true
	d.methods == ["delete", "event:changed", "get", "list", "set"]
	d.reason == "the operator may call any method of storage"
}

test_operator_ttl_falls_back_to_target_ttl if {
	d := base.decision with input as op_req(storage, ["get"])
		with data.tessera.operator as {"allow_calls": true}
		with data.tessera.ttl.per_target as {"storage": 30}
	d.methods == ["get"]
	d.ttlSeconds == 30
}

test_operator_calls_disabled_by_data if {
	d := base.decision with input as op_req(storage, [])
		with data.tessera.operator.allow_calls as false
	d.allow == false
	d.reason == "operator calls to modules are disabled (data.tessera.operator.allow_calls)"
}

test_operator_calls_disabled_when_flag_missing if {
	d := base.decision with input as op_req(storage, [])
		with data.tessera.operator as {}
	d.allow == false
}

test_operator_name_without_operator_context_is_a_module if {
	d := base.decision with input as req(operator, storage, [])
	d.allow == false
	d.reason == "operator does not require any capability storage provides"
}

test_operator_context_for_another_subject_is_denied if {
	i := object.union(req(notes, storage, []), {"context": {"operator": true}})
	d := base.decision with input as i
	d.allow == false
	d.reason == "context.operator is set but the subject is not the operator"
}

test_deny_list_wins_over_operator if {
	d := base.decision with input as op_req(storage, [])
		with data.tessera.deny as [{"caller": "operator", "target": "*"}]
	d.allow == false
}
