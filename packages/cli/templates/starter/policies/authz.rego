# The app's policy: Tessera's base rules (shipped in @tessera/policy as
# package tessera.base) with this app's data.json. Wrap the base decision
# to add rules of your own, e.g.
#
#   decision := base.deny("greeter is closed") if input.target.name == "greeter"
#   else := base.decision
package tessera.authz

import data.tessera.base

decision := base.decision
