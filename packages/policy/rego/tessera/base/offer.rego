# What may be granted before scoping: the first matching rule offers a set
# of methods ("grant") and a reason, or only a reason when nothing is offered.
# System identities (core, operator) have explicit rules here, not exemptions.
package tessera.base

# A module host registers its endpoint, requests and releases grants,
# delegates part of them, and reports the calls its door refused.
core_module_methods := {"register", "requestModule", "releaseModule", "delegate", "reportDenials"}

core_manager_methods := {
	"listModules", "listLoaded", "load", "unload",
	"methods", "stats", "grants", "requestModule", "callModule",
	"createJoinCredential", "auditEvents", "event:security",
	"approvals", "approve", "deny", "revoke",
	"event:grantChanged", "event:approvalChanged",
	"hosts", "evict", "credentials", "revokeCredential",
	"policyStatus", "policyEval",
}

is_operator if {
	input.context.operator == true
	input.subject.name == "operator"
}

default operator_calls_allowed := false

operator_calls_allowed if data.tessera.operator.allow_calls == true

offer := delegation_offer if {
	is_delegation
} else := {"reason": "context.operator is set but the subject is not the operator"} if {
	input.context.operator == true
	input.subject.name != "operator"
} else := {"grant": core_manager_methods, "reason": "the operator may manage the core"} if {
	is_operator
	input.target.name == "core"
} else := {"grant": target_methods, "reason": sprintf("the operator may call any method of %s", [input.target.name])} if {
	is_operator
	operator_calls_allowed
} else := {"reason": "operator calls to modules are disabled (data.tessera.operator.allow_calls)"} if {
	is_operator
} else := {"grant": core_module_methods, "reason": sprintf("%s may register with the core and request and release modules", [input.subject.name])} if {
	input.target.name == "core"
	input.subject.name != "core"
} else := {"grant": capability_methods, "reason": _capability_reason} if {
	count(matching_capabilities) > 0
} else := {"reason": sprintf("%s does not require any capability %s provides", [input.subject.name, input.target.name])}

# Capabilities the subject requires and the target provides.
matching_capabilities contains c if {
	some c in input.subject.requires
	input.target.provides[c]
}

# The union of the methods (and event:<name> scopes) of the matching capabilities.
capability_methods contains m if {
	some c in matching_capabilities
	some m in input.target.provides[c]
}

# Every method the target provides, for the operator.
target_methods contains m if {
	some ms in input.target.provides
	some m in ms
}

_capability_reason := sprintf("%s requires %s provided by %s", [
	input.subject.name,
	concat(", ", sort([c | some c in matching_capabilities])),
	input.target.name,
])
