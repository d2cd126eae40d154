package tessera.authz_test

import data.tessera.authz

greeter := {"name": "greeter", "provides": {"greet": ["hello"], "greeting-admin": ["setGreeting"]}, "requires": []}

req(subject, context) := {"subject": subject, "target": greeter, "methods": [], "context": context}

test_a_module_that_requires_greet_may_say_hello if {
	web := {"name": "web", "provides": {}, "requires": ["greet"]}
	d := authz.decision with input as req(web, {"time": "2026-01-01T00:00:00Z", "purpose": "request"})
	d.allow == true
	d.methods == ["hello"]
}

test_the_operator_may_not_change_the_greeting if {
	operator := {"name": "operator", "provides": {}, "requires": []}
	d := authz.decision with input as req(operator, {"time": "2026-01-01T00:00:00Z", "purpose": "request", "operator": true})
	d.allow == true
	d.methods == ["hello"]
}
