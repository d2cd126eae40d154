# Grant terms from data.json: resource constraints and rate limits on the
# grants the decision allows (or asks about).
#
# data.tessera.constraints: [{caller, target, constraints}], "*" matches any
# name, the first match applies. `constraints` is method -> parameter ->
# patterns the argument must match ("note:*": one "*" at most), e.g.
# {"get": {"key": ["note:*"]}}. The target's door refuses any other value
# before the module runs; the module must declare the parameter a resource
# (tessera.resources in its manifest), else every call to the method is
# refused.
#
# data.tessera.limits: [{caller, target, rateLimit}], first match applies.
# `rateLimit` is {perSecond, burst?} overall, {perMethod: {m: {perSecond,
# burst?}}}, or both; the target's door keeps a token bucket per caller and
# answers RESOURCE_EXHAUSTED (with data.retryAfterMs) over it.
#
# Terms of methods the decision does not grant are dropped by the engine's
# validator; a reload applies changed terms to live grants.
package tessera.base

default constraints_list := []

constraints_list := data.tessera.constraints if is_array(data.tessera.constraints)

default limits_list := []

limits_list := data.tessera.limits if is_array(data.tessera.limits)

_constraint_hits := [e.constraints |
	some e in constraints_list
	_name_matches(e.caller, input.subject.name)
	_name_matches(e.target, input.target.name)
	is_object(e.constraints)
]

_limit_hits := [e.rateLimit |
	some e in limits_list
	_name_matches(e.caller, input.subject.name)
	_name_matches(e.target, input.target.name)
	is_object(e.rateLimit)
]

# The fields an allow decision carries besides allow, methods, ttlSeconds
# and reason; empty when data sets no terms for this pair.
grant_terms["constraints"] := _constraint_hits[0] if count(_constraint_hits) > 0

grant_terms["rateLimit"] := _limit_hits[0] if count(_limit_hits) > 0
