import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { listRunningApp } from '../lib/list-running-app';
import { askRunningApp } from '../lib/operator-session';

export const credentials: Command = {
  path: ['credentials'],
  summary: 'list the join credentials not yet spent',
  usage: `usage: tessera credentials [--config file] [--json]

Lists the one-time join credentials minted by 'tessera admit' that no host
has spent yet and that have not expired: the module, the fingerprint of the
credential's key and its expiry. The credential itself was shown once, by
'tessera admit', and is never shown again. Revoke one with
'tessera credentials revoke <module>'.

  --config file   the app's config file
  --json          print the rows as JSON

Exit codes: 0 listed, 1 no running app or the app refused, 2 usage error.`,
  run: (args, io) =>
    listRunningApp(args, io, {
      ask: (core) => core.credentials(),
      none: 'no unspent join credentials',
      header: ['MODULE', 'KEY', 'EXPIRES'],
      row: (c) => [c.module, c.fingerprint, new Date(c.expiresAt).toISOString()],
    }),
};

export const credentialsRevoke: Command = {
  path: ['credentials', 'revoke'],
  summary: "revoke a module's unspent join credential",
  usage: `usage: tessera credentials revoke <module> [--config file]

Revokes the unspent join credential minted for <module>: a host presenting
it is refused from now on.

  --config file   the app's config file

Exit codes: 0 revoked, 1 there was none or no running app, 2 usage error.`,
  async run(args, io) {
    const { strings, positionals } = parseCommandLine(args, {
      strings: ['config'],
      positionals: { names: ['module'], min: 1 },
    });
    const module = positionals[0] as string;
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const asked = await askRunningApp(file, shown, io, (core) => core.revokeCredential(module));
    if ('code' in asked) return asked.code;
    if (!asked.answer) {
      io.stderr(`error: no unspent join credential for ${module} (tessera credentials)\n`);
      return ExitCode.FAILURE;
    }
    io.stdout(`revoked the join credential for ${module}\n`);
    return ExitCode.OK;
  },
};
