# Ask the operator: data.tessera.ask turns an allow into allow "ask".
package tessera.base_test

import data.tessera.base

ask_notes := [{"caller": "notes", "target": "storage", "reason": "storage holds private data"}]

test_ask_entry_turns_the_allow_into_ask if {
	d := base.decision with input as req(notes, storage, []) with data.tessera.ask as ask_notes
	d.allow == "ask"
	d.methods == ["event:changed", "get", "list"]
	d.ttlSeconds == 3600
	d.reason == "notes requires kv-read provided by storage; the operator must approve it: storage holds private data"
}

test_ask_without_a_reason_names_the_knob if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ask as [{"caller": "*", "target": "storage"}]
	d.allow == "ask"
	d.reason == "notes requires kv-read provided by storage; the operator must approve it (data.tessera.ask)"
}

test_ask_keeps_the_requested_scope if {
	d := base.decision with input as req(notes, storage, ["get"]) with data.tessera.ask as ask_notes
	d.allow == "ask"
	d.methods == ["get"]
}

test_ask_only_for_matching_pairs if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ask as [{"caller": "audit", "target": "storage"}, {"caller": "notes", "target": "mail"}]
	d.allow == true
	d.reason == "notes requires kv-read provided by storage"
}

test_ask_never_widens_a_deny if {
	d := base.decision with input as req(notes, storage, ["set"]) with data.tessera.ask as ask_notes
	d.allow == false
	startswith(d.reason, "none of the requested methods")
}

test_deny_list_wins_over_ask if {
	d := base.decision with input as req(notes, storage, [])
		with data.tessera.ask as ask_notes
		with data.tessera.deny as [{"caller": "notes", "target": "storage"}]
	d.allow == false
	d.reason == "denied by deny list: notes -> storage"
}

test_ask_never_for_a_grant_on_the_core if {
	d := base.decision with input as req(notes, core, [])
		with data.tessera.ask as [{"caller": "*", "target": "*"}]
	d.allow == true
}

test_ask_never_for_the_operator if {
	d := base.decision with input as op_req(storage, [])
		with data.tessera.ask as [{"caller": "*", "target": "*"}]
	d.allow == true
}

test_remote_ask_entry_matches_only_remote_subjects if {
	remote_only := [{"caller": "*", "target": "storage", "remote": true}]
	local := base.decision with input as req(notes, storage, []) with data.tessera.ask as remote_only
	local.allow == true
	far := base.decision with input as req(object.union(notes, {"remote": true}), storage, [])
		with data.tessera.ask as remote_only
	far.allow == "ask"
}

test_ask_never_for_a_delegation if {
	d := base.decision with input as delegate(["get"], ["notes"])
		with data.tessera.delegation as share
		with data.tessera.ask as [{"caller": "*", "target": "*"}]
	d.allow == true
}

test_ask_list_that_is_not_an_array_is_ignored if {
	d := base.decision with input as req(notes, storage, []) with data.tessera.ask as {"caller": "notes"}
	d.allow == true
}
