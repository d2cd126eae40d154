# Requests the operator must approve (data.tessera.ask:
# [{caller, target, remote?, reason?}], "*" matches any name; "remote": true
# matches only subjects on other machines, as in the deny list). For a
# matching request the decision is allow "ask": it waits for the operator
# (`tessera approvals`), and its methods and TTL are the most an approval
# may grant. Never for the operator itself, a grant on the core (a module's
# channel to the core cannot wait), or a delegation.
package tessera.base

default ask_list := []

ask_list := data.tessera.ask if is_array(data.tessera.ask)

ask_hits := [e |
	some e in ask_list
	_name_matches(e.caller, input.subject.name)
	_name_matches(e.target, input.target.name)
	_remote_matches(e)
]

asks_operator if {
	count(ask_hits) > 0
	not is_operator
	input.target.name != "core"
	not is_delegation
}

# The decision's allow: "ask" for the pairs above, else true.
default allow_or_ask := true

allow_or_ask := "ask" if asks_operator

# The decision's reason: the offer's, and why the operator is asked.
granted_reason := sprintf("%s; the operator must approve it: %s", [offer.reason, ask_hits[0].reason]) if {
	asks_operator
	is_string(ask_hits[0].reason)
} else := sprintf("%s; the operator must approve it (data.tessera.ask)", [offer.reason]) if {
	asks_operator
} else := offer.reason
