# Grant terms: constraints and rate limits from data.tessera.constraints and
# data.tessera.limits ride on allow decisions, and only on them.
package tessera.base_terms_test

import data.tessera.base

audit := {"name": "audit", "provides": {}, "requires": ["kv-read"]}

storage := {
	"name": "storage", "provides": {"kv-read": ["get", "list"], "kv-write": ["set"]},
	"requires": [],
}

req(subject, target) := {
	"subject": subject, "target": target, "methods": [],
	"context": {"time": "2024-01-01T00:00:00Z", "purpose": "request"},
}

op_req(target) := {
	"subject": {"name": "operator", "provides": {}, "requires": []}, "target": target, "methods": [],
	"context": {"time": "2024-01-01T00:00:00Z", "purpose": "request", "operator": true},
}

note_keys := {"get": {"key": ["note:*"]}}

fixture_constraints := [
	{"caller": "audit", "target": "storage", "constraints": note_keys},
	{"caller": "*", "target": "storage", "constraints": {"get": {"key": ["*"]}}},
]

fixture_limits := [
	{"caller": "operator", "target": "*", "rateLimit": {"perMethod": {"list": {"perSecond": 1, "burst": 2}}}},
	{"caller": "audit", "target": "storage", "rateLimit": {"perSecond": 5}},
]

test_constraint_and_limit_ride_on_the_allow if {
	d := base.decision with input as req(audit, storage) with data.tessera.constraints as fixture_constraints with data.tessera.limits as fixture_limits
	d.allow == true
	d.methods == ["get", "list"]
	d.constraints == note_keys
	d.rateLimit == {"perSecond": 5}
}

test_first_matching_entry_wins_and_star_matches_any_name if {
	d := base.decision with input as op_req(storage) with data.tessera.constraints as fixture_constraints with data.tessera.limits as fixture_limits
	d.allow == true
	d.constraints == {"get": {"key": ["*"]}}
	d.rateLimit == {"perMethod": {"list": {"perSecond": 1, "burst": 2}}}
}

test_no_entry_no_terms if {
	d := base.decision with input as req(audit, storage) with data.tessera.constraints as [] with data.tessera.limits as []
	d.allow == true
	not d.constraints
	not d.rateLimit
	object.keys(d) == {"allow", "methods", "ttlSeconds", "reason"}
}

test_a_deny_carries_no_terms if {
	stranger := object.union(audit, {"requires": []})
	d := base.decision with input as req(stranger, storage) with data.tessera.constraints as fixture_constraints with data.tessera.limits as fixture_limits
	d.allow == false
	object.keys(d) == {"allow", "methods", "ttlSeconds", "reason"}
}

test_malformed_entries_are_skipped if {
	d := base.decision with input as req(audit, storage)
		with data.tessera.constraints as "all of them"
		with data.tessera.limits as {"audit": "fast"}
	d.allow == true
	not d.constraints
	not d.rateLimit
}

test_shipped_data_constrains_audit_and_the_operator_on_storage if {
	d := base.decision with input as req(audit, storage)
	d.allow == true
	d.constraints == note_keys
	o := base.decision with input as op_req(storage)
	o.constraints == note_keys
	o.rateLimit == {"perMethod": {"list": {"perSecond": 1, "burst": 2}}}
}

test_malformed_limit_entry_is_skipped if {
	d := base.decision with input as req(audit, storage)
		with data.tessera.limits as [{"caller": "audit", "target": "storage", "rateLimit": "fast"}]
	d.allow == true
	not d.rateLimit
}
