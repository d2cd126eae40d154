/** The part of `tessera --help` below the command list. */
export const TOP_LEVEL_HELP = `Options of every command: --help (also 'tessera <group> --help').
'tessera --version' prints the version.

Commands that talk to a running app (ls, call, inspect, grants, revoke,
approvals, approve, deny, audit) find it through .tessera/run/<config
file name>/run.json next to its config (--config, default ./tessera.config.json). 'tessera grants
--watch' streams grant changes; 'tessera approvals' lists the requests the
policy asks you about; 'tessera audit --follow' streams the security trail.

Exit codes:
  0  ok
  1  failure, a denied call, or no running app
  2  usage error, bad config or manifest, or bad input: nothing was done
130  'tessera run' forced to stop by a second Ctrl-C`;
