# Rules over data.json: the deny list and the TTL.
package tessera.base

default deny_list := []

deny_list := data.tessera.deny if is_array(data.tessera.deny)

# Deny-list entries matching this request; "*" matches any name. An entry
# with "remote": true matches only subjects hosted on other machines
# (input.subject.remote, set by the core for hosts admitted with a join
# credential; absent for local modules).
deny_hits := [e |
	some e in deny_list
	_name_matches(e.caller, input.subject.name)
	_name_matches(e.target, input.target.name)
	_remote_matches(e)
]

_remote_matches(e) if not e.remote

_remote_matches(e) if {
	e.remote == true
	input.subject.remote == true
}

_name_matches("*", _)

_name_matches(pattern, name) if pattern == name

_deny_list_reason(e) := sprintf("denied by deny list: %s -> %s (%s)", [e.caller, e.target, e.reason]) if {
	is_string(e.reason)
} else := sprintf("denied by deny list: %s -> %s", [e.caller, e.target])

# Methods withheld from a caller on a target (data.tessera.withhold:
# [{"caller", "target", "methods": [...]}], "*" matches any name): the grant
# is narrowed rather than denied, and a reload that adds an entry narrows
# live grants the same way.
default withhold_list := []

withhold_list := data.tessera.withhold if is_array(data.tessera.withhold)

withheld contains m if {
	some e in withhold_list
	_name_matches(e.caller, input.subject.name)
	_name_matches(e.target, input.target.name)
	is_array(e.methods)
	some m in e.methods
}

# TTL: the operator's own, then a per-target override, then the default.
ttl := data.tessera.operator.ttl_seconds if {
	is_operator
	is_number(data.tessera.operator.ttl_seconds)
} else := data.tessera.ttl.per_target[input.target.name] if {
	is_number(data.tessera.ttl.per_target[input.target.name])
} else := data.tessera.ttl.default_seconds if {
	is_number(data.tessera.ttl.default_seconds)
}
