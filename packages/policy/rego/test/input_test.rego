# Malformed input is denied with a reason naming what is wrong.
package tessera.base_test

import data.tessera.base

test_missing_input_is_denied if {
	d := base.decision
	d.allow == false
	startswith(d.reason, "malformed input: ")
	contains(d.reason, "input must be an object")
}

test_non_object_input_is_denied if {
	d := base.decision with input as ["notes"]
	d.allow == false
	contains(d.reason, "input must be an object")
}

test_empty_object_input_lists_every_missing_field if {
	d := base.decision with input as {}
	d.allow == false
	d.methods == []
	d.ttlSeconds == 0
	d.reason == concat("", [
		"malformed input: context must be an object; methods must be an array of strings; ",
		"subject.name must be a string; subject.requires must be an array of strings; ",
		"target.name must be a string; target.provides must be an object",
	])
}

test_wrong_types_are_denied if {
	bad := {
		"subject": {"name": 7, "provides": {}, "requires": "kv-read"},
		"target": {"name": "storage", "provides": {"kv-read": "get"}, "requires": []},
		"methods": [1],
		"context": ctx,
	}
	d := base.decision with input as bad
	d.allow == false
	contains(d.reason, "subject.name must be a string")
	contains(d.reason, "subject.requires must be an array of strings")
	contains(d.reason, "target.provides[\"kv-read\"] must be an array of strings")
	contains(d.reason, "methods must be an array of strings")
}

test_remote_must_be_a_boolean if {
	d := base.decision with input as req(object.union(notes, {"remote": "yes"}), object.union(storage, {"remote": 1}), [])
	d.allow == false
	contains(d.reason, "subject.remote must be a boolean when present")
	contains(d.reason, "target.remote must be a boolean when present")
}

test_well_formed_input_has_no_complaints if {
	count(base.malformed) == 0 with input as req(notes, storage, [])
}
