# Test fixture: compiles, but its decision is never valid, so the smoke
# evaluation rejects the bundle on (re)load.
package tessera.authz

decision := {"allow": 1, "ttlSeconds": "forever"}
