# Tessera's base authorization policy, shipped in @tessera/policy (rego/).
#
# An app's policy imports it and exposes its decision at the entrypoint
# tessera/authz/decision:
#
#   package tessera.authz
#   import data.tessera.base
#   decision := base.decision
#
# and may wrap it with its own rules (`base.deny(reason)`,
# `base.grant(methods, reason)`), e.g.
#   decision := base.deny("billing is closed") if input.target.name == "billing"
#   else := base.decision
#
# Input: the PolicyInput built by the capability module ({subject, target,
# methods, context}); data (the app's data.json): data.tessera.ttl,
# data.tessera.deny, data.tessera.withhold, data.tessera.ask,
# data.tessera.delegation, data.tessera.constraints, data.tessera.limits,
# data.tessera.operator. The decision is evaluated as a priority chain:
# malformed input, then the deny list, then the rule that offers a scope,
# then TTL and method scoping; an allow is "ask" where data.tessera.ask says
# the operator must approve. An allow (or ask) carries the pair's
# constraints and rate limit from data (terms.rego).
package tessera.base

default decision := {
	"allow": false,
	"methods": [],
	"ttlSeconds": 0,
	"reason": "no policy rule allows this request",
}

decision := _deny(sprintf("malformed input: %s", [concat("; ", sort(malformed))])) if {
	count(malformed) > 0
} else := _deny(_deny_list_reason(deny_hits[0])) if {
	count(deny_hits) > 0
} else := _deny(offer.reason) if {
	not offer.grant
} else := _deny(sprintf("no TTL configured for %s in data.tessera.ttl", [input.target.name])) if {
	not ttl_positive
} else := _deny(sprintf("none of the requested methods %v is granted (%s)", [input.methods, offer.reason])) if {
	count(granted) == 0
} else := object.union(
	{
		"allow": allow_or_ask,
		"methods": granted,
		"ttlSeconds": ttl,
		"reason": granted_reason,
	},
	grant_terms,
)

# A rule reference inside `not x > 0` is hoisted out of the negation, so
# an undefined ttl would fail the branch instead of taking it.
ttl_positive if ttl > 0

_deny(reason) := {"allow": false, "methods": [], "ttlSeconds": 0, "reason": reason}

# For app rules that wrap the decision: a deny with this reason.
deny(reason) := _deny(reason)

# For app rules that wrap the decision: an allow of `methods` (narrowed to
# input.methods when the request names some, less what data.tessera.withhold
# withholds) with the TTL and terms data sets for this pair. The operator's
# controls still apply: malformed input and the deny list deny, and a pair
# data.tessera.ask names is "ask". A deny when data sets no TTL or nothing is
# left.
grant(methods, reason) := _deny(sprintf("malformed input: %s", [concat("; ", sort(malformed))])) if {
	count(malformed) > 0
} else := _deny(_deny_list_reason(deny_hits[0])) if {
	count(deny_hits) > 0
} else := _deny(sprintf("no TTL configured for %s in data.tessera.ttl", [input.target.name])) if {
	not ttl_positive
} else := _deny(sprintf("none of the methods %v is granted (%s)", [methods, reason])) if {
	count(_grantable(methods)) == 0
} else := object.union(
	{"allow": allow_or_ask, "methods": _grantable(methods), "ttlSeconds": ttl, "reason": reason},
	grant_terms,
)

_grantable(methods) := sort([m | some m in methods; not m in withheld]) if {
	count(input.methods) == 0
} else := sort([m | some m in methods; m in input.methods; not m in withheld])

# The scope finally granted: the offer without the methods data withholds,
# narrowed to input.methods when given.
granted := sort([m | some m in offer.grant; not m in withheld]) if {
	count(input.methods) == 0
} else := sort([m | some m in offer.grant; m in input.methods; not m in withheld])
