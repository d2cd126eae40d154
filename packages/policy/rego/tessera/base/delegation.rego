# Delegation: a module hands part of its own grant on a target to another
# module, through the capability module. input.delegation = {from, chain}
# names the delegator (chain: the delegators from the original holder to
# from); input.subject is the module that receives the grant. The
# capability module has already checked that from holds a live grant on the
# target covering input.methods and will cut the result down to it: the
# policy only consents, from data.tessera.delegation.
package tessera.base

is_delegation if is_object(input.delegation)

default delegation_list := []

delegation_list := data.tessera.delegation if is_array(data.tessera.delegation)

# Entries consenting to this delegation: [{from, target, to, methods?, redelegate?}],
# "*" matches any name. A grant that was itself delegated (a chain longer than
# one) is handed on only under an entry with "redelegate": true.
delegation_hits := [e |
	some e in delegation_list
	_name_matches(e.from, input.delegation.from)
	_name_matches(e.target, input.target.name)
	_name_matches(e.to, input.subject.name)
	_chain_allowed(e)
]

_chain_allowed(_) if count(input.delegation.chain) == 1

_chain_allowed(e) if e.redelegate == true

# What the matching entries let be handed on: an entry's methods, or
# (without a list) whatever is asked for.
delegable contains m if {
	some e in delegation_hits
	some m in _entry_methods(e)
}

_entry_methods(e) := e.methods if is_array(e.methods)

else := input.methods

delegation_offer := {"grant": delegable, "reason": sprintf("%s may delegate %s on %s to %s", [
	input.delegation.from,
	concat(", ", sort([m | some m in delegable])),
	input.target.name,
	input.subject.name,
])} if {
	count(delegation_hits) > 0
} else := {"reason": sprintf("%s may not delegate %s to %s (no entry in data.tessera.delegation)", [
	input.delegation.from,
	input.target.name,
	input.subject.name,
])}
