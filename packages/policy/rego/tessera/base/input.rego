# Input validation: any message here makes the decision a deny.
#
# Fields are read through _at (object.get with a null default) because
# `not is_string(input.x)` is undefined, not true, when input.x is missing.
package tessera.base

_input := input if is_object(input)

else := {}

_at(path) := object.get(_input, path, null)

malformed contains "input must be an object" if not _input_is_object

_input_is_object if is_object(input)

malformed contains "subject.name must be a string" if not is_string(_at(["subject", "name"]))

malformed contains "target.name must be a string" if not is_string(_at(["target", "name"]))

malformed contains "subject.requires must be an array of strings" if not _strings(_at(["subject", "requires"]))

malformed contains "target.provides must be an object" if not is_object(_at(["target", "provides"]))

malformed contains sprintf("target.provides[%q] must be an array of strings", [c]) if {
	some c, ms in input.target.provides
	not _strings(ms)
}

malformed contains sprintf("%s.remote must be a boolean when present", [side]) if {
	some side in ["subject", "target"]
	v := _at([side, "remote"])
	v != null
	not is_boolean(v)
}

malformed contains "methods must be an array of strings" if not _strings(_at(["methods"]))

malformed contains "context must be an object" if not is_object(_at(["context"]))

malformed contains "delegation must be {from, chain} with chain a non-empty list of names ending with from" if {
	_at(["delegation"]) != null
	not _delegation_well_formed
}

malformed contains "context.purpose \"delegate\" needs input.delegation" if {
	_at(["context", "purpose"]) == "delegate"
	_at(["delegation"]) == null
}

_delegation_well_formed if {
	d := input.delegation
	is_string(d.from)
	_strings(d.chain)
	count(d.chain) > 0
	d.chain[count(d.chain) - 1] == d.from
}

_strings(xs) if {
	is_array(xs)
	every x in xs {
		is_string(x)
	}
}
