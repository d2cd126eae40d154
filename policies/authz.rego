# The demo app's policy: Tessera's shipped base policy (@tessera/policy,
# package tessera.base) with the demo's data.json. The entrypoint is
# tessera/authz/decision.
package tessera.authz

import data.tessera.base

decision := base.decision
