# Test fixture: answers the smoke input correctly (so the bundle loads) and
# garbage for chosen subjects, to prove the engine denies malformed decisions.
package tessera.authz

decision := {"allow": false, "methods": [], "ttlSeconds": 0, "reason": "smoke ok"} if input.subject.name == "tessera-smoke-caller"

decision := {"allow": "yes", "methods": ["get"], "ttlSeconds": 60, "reason": "x"} if input.subject.name == "allow-not-boolean"

decision := {"allow": true, "methods": [1, 2], "ttlSeconds": 60, "reason": "x"} if input.subject.name == "methods-not-strings"

decision := {"allow": true, "methods": ["get"], "ttlSeconds": -5, "reason": "x"} if input.subject.name == "negative-ttl"

decision := "allow" if input.subject.name == "not-an-object"

decision := {"allow": true, "methods": ["get"], "ttlSeconds": 60, "reason": "x", "constraints": {"get": {"key": ["*:*"]}}} if input.subject.name == "two-wildcards"

decision := {"allow": "ask", "methods": ["get"], "ttlSeconds": 60, "reason": "x", "rateLimit": {"perSecond": 0}} if input.subject.name == "zero-rate"

# Any other subject: no rule matches, the decision is undefined.
