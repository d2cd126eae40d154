# The demo's data.json on the base policy: who may call whom in the demo.
package tessera.demo_test

import data.tessera.authz

storage := {
	"name": "storage", "provides": {
		"kv-read": ["get", "list", "event:changed"],
		"kv-write": ["set", "delete"],
		"kv-watch": ["event:changed"],
	},
	"requires": [],
}

notes := {"name": "notes", "provides": {"notes-read": ["list"]}, "requires": ["kv-read", "kv-write"]}

audit := {"name": "audit", "provides": {"audit-read": ["recent", "summary"]}, "requires": ["kv-watch"]}

core := {"name": "core", "provides": {}, "requires": []}

ctx := {"time": "2024-01-01T00:00:00Z", "purpose": "request"}

req(subject, target) := {"subject": subject, "target": target, "methods": [], "context": ctx}

test_notes_reads_and_writes_storage_for_an_hour if {
	d := authz.decision with input as req(notes, storage)
	d.allow == true
	d.methods == ["delete", "event:changed", "get", "list", "set"]
	d.ttlSeconds == 3600
}

test_audit_only_watches_storage if {
	d := authz.decision with input as req(audit, storage) with input.methods as ["set"]
	d.allow == false
}

test_notes_to_audit_asks_the_operator if {
	n := object.union(notes, {"requires": ["audit-read"]})
	d := authz.decision with input as req(n, audit)
	d.allow == "ask"
	d.reason == "notes requires audit-read provided by audit; the operator must approve it: the audit log is sensitive"
}

test_notes_may_delegate_get_on_storage_to_audit if {
	d := authz.decision with input as object.union(req(audit, storage), {
		"methods": ["get"],
		"context": {"time": "2024-01-01T00:00:00Z", "purpose": "delegate"},
		"delegation": {"from": "notes", "chain": ["notes"]},
	})
	d.allow == true
	d.methods == ["get"]
	d.constraints == {"get": {"key": ["note:*"]}}
}

test_operator_reads_only_notes_keys_and_lists_slowly if {
	op := {"name": "operator", "provides": {}, "requires": []}
	d := authz.decision with input as object.union(req(op, storage), {"context": object.union(ctx, {"operator": true})})
	d.allow == true
	d.ttlSeconds == 900
	d.constraints == {"get": {"key": ["note:*"]}}
	d.rateLimit == {"perMethod": {"list": {"perSecond": 1, "burst": 2}}}
}

test_modules_reach_the_core if {
	d := authz.decision with input as req(notes, core)
	d.allow == true
	"requestModule" in d.methods
}
