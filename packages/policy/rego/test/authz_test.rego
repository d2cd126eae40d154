# Capability rules, scoping, TTL and the deny list.
package tessera.base_test

import data.tessera.base

notes := {"name": "notes", "provides": {}, "requires": ["kv-read"]}

storage := {
	"name": "storage", "provides": {
		"kv-read": ["get", "list", "event:changed"],
		"kv-write": ["set", "delete"],
	},
	"requires": [],
}

ctx := {"time": "2024-01-01T00:00:00Z", "purpose": "request"}

req(subject, target, methods) := {"subject": subject, "target": target, "methods": methods, "context": ctx}

test_allow_required_capability if {
	d := base.decision with input as req(notes, storage, [])
	d.allow == true
	d.methods == ["event:changed", "get", "list"]
	d.ttlSeconds == 3600
	d.reason == "notes requires kv-read provided by storage"
}

test_union_of_matching_capabilities if {
	both := object.union(notes, {"requires": ["kv-write", "kv-read", "other"]})
	d := base.decision with input as req(both, storage, [])
	d.allow == true
	d.methods == ["delete", "event:changed", "get", "list", "set"]
	d.reason == "notes requires kv-read, kv-write provided by storage"
}

test_deny_when_nothing_required_is_provided if {
	d := base.decision with input as req(object.union(notes, {"requires": ["mail"]}), storage, [])
	d == {"allow": false, "methods": [], "ttlSeconds": 0, "reason": "notes does not require any capability storage provides"}
}

test_scope_intersected_with_requested_methods if {
	d := base.decision with input as req(notes, storage, ["get", "set", "event:changed"])
	d.allow == true
	d.methods == ["event:changed", "get"]
}

test_deny_when_no_requested_method_in_scope if {
	d := base.decision with input as req(notes, storage, ["set"])
	d.allow == false
	d.methods == []
	startswith(d.reason, "none of the requested methods")
}

test_ttl_override_per_target if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ttl.per_target as {"storage": 60}
	d.ttlSeconds == 60
}

test_ttl_default_from_data if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ttl as {"default_seconds": 120, "per_target": {"other": 5}}
	d.ttlSeconds == 120
}

test_deny_without_ttl_in_data if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ttl as {}
	d.allow == false
	d.reason == "no TTL configured for storage in data.tessera.ttl"
}

test_deny_list_wins_over_capability if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as [{"caller": "notes", "target": "storage"}]
	d == {"allow": false, "methods": [], "ttlSeconds": 0, "reason": "denied by deny list: notes -> storage"}
}

test_deny_list_entry_reason if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as [{"caller": "notes", "target": "storage", "reason": "incident 42"}]
	d.reason == "denied by deny list: notes -> storage (incident 42)"
}

test_deny_list_wildcard_caller if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as [{"caller": "*", "target": "storage"}]
	d.allow == false
	d.reason == "denied by deny list: * -> storage"
}

test_deny_list_wildcard_target if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as [{"caller": "notes", "target": "*"}]
	d.allow == false
}

test_deny_list_other_pair_does_not_match if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as [{"caller": "mail", "target": "storage"}, {"caller": "notes", "target": "mail"}]
	d.allow == true
}

test_deny_list_remote_entry_denies_a_remote_subject if {
	d := base.decision with input as req(object.union(notes, {"remote": true}), storage, [])
		with data.tessera.deny as [{"caller": "*", "target": "storage", "remote": true, "reason": "no remote writers"}]
	d.allow == false
	d.reason == "denied by deny list: * -> storage (no remote writers)"
}

test_deny_list_remote_entry_spares_a_local_subject if {
	deny := [{"caller": "*", "target": "storage", "remote": true}]
	local := base.decision with input as req(notes, storage, []) with data.tessera.deny as deny
	local.allow == true
	marked := base.decision with input as req(object.union(notes, {"remote": false}), storage, [])
		with data.tessera.deny as deny
	marked.allow == true
}

test_remote_subject_is_allowed_like_a_local_one_without_a_deny_entry if {
	d := base.decision with input as req(object.union(notes, {"remote": true}), storage, [])
	d.allow == true
	d.reason == "notes requires kv-read provided by storage"
}

test_deny_list_not_a_list_is_ignored if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.deny as "notes"
	d.allow == true
}

test_event_scope_is_granted_like_a_method if {
	d := base.decision with input as req(notes, storage, ["event:changed"])
	d.methods == ["event:changed"]
}

test_withhold_narrows_the_grant_instead_of_denying if {
	w := [{"caller": "notes", "target": "storage", "methods": ["list"]}]
	d := base.decision with input as req(notes, storage, []) with data.tessera.withhold as w
	d.allow == true
	d.methods == ["event:changed", "get"]
}

test_withhold_with_wildcards_and_only_matching_pairs if {
	w := [{"caller": "*", "target": "storage", "methods": ["get"]}, {"caller": "other", "target": "*", "methods": ["list"]}]
	d := base.decision with input as req(notes, storage, []) with data.tessera.withhold as w
	d.methods == ["event:changed", "list"]
}

test_withhold_everything_requested_denies if {
	w := [{"caller": "notes", "target": "storage", "methods": ["get"]}]
	d := base.decision with input as req(notes, storage, ["get"]) with data.tessera.withhold as w
	d.allow == false
}
