import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JoinRequest } from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { OperatorSession } from '../lib/operator-session';
import { UsageError } from '../lib/usage-error';

export const admit: Command = {
  path: ['admit'],
  summary: 'mint a one-time join credential for a module host on another machine',
  usage: `usage: tessera admit <package> [--manifest package.json] [--replace] [--ttl seconds]
                     [--config file]

Asks the app running for the config (which must use transport "zeromq" with
"network.listen") for a one-time credential that lets one host on another
machine join as the module of <package>. The credential is printed on
stdout; treat it like a password and hand it to that machine's operator,
who runs:

  tessera host --module <package> < credential

The module's facts (its manifest's provides and requires: all the policy
knows of it) are pinned now, from the package the core resolves by npm name
from the app's directory, or from --manifest. The host's own package.json
must say the same when it attaches, or it is refused; policy only ever sees
the pinned facts, with subject.remote = true.

Always refused: reserved names (core, operator, capability) and the app's
own modules. Refused unless --replace: a module that already has a remote
host or an unspent credential. The credential works once, until it expires
(default 10 minutes).

  --manifest file  pin the facts of this package.json instead of resolving
                   <package> at the core (then <package> may be the module name)
  --replace        revoke the module's current remote key or credential and
                   close its connections, then admit a new host
  --ttl seconds    how long the credential stays valid (at most 7 days)
  --config file    the app's config file

Exit codes: 0 printed, 1 refused or no running app, 2 usage error.`,
  async run(argv, io) {
    const { strings, flags, positionals } = parseCommandLine(argv, {
      strings: ['config', 'ttl', 'manifest'],
      booleans: ['replace'],
      positionals: { names: ['package'], min: 1 },
    });
    const ttl = strings.ttl === undefined ? undefined : Number(strings.ttl);
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0))
      throw new UsageError(`--ttl must be a whole number of seconds (got ${strings.ttl})`);
    const request: JoinRequest = {
      ...(ttl !== undefined ? { ttlSeconds: ttl } : {}),
      ...(flags.replace ? { replace: true } : {}),
    };
    if (strings.manifest !== undefined)
      request.packageJson = await readManifest(strings.manifest, io.cwd);
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    try {
      const credential = await session.core.createJoinCredential(positionals[0] as string, request);
      io.stdout(`${credential}\n`);
      return ExitCode.OK;
    } catch (err) {
      io.stderr(`error: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    } finally {
      await session.close();
    }
  },
};

/** The operator's copy of the module's package.json; a missing or non-JSON file is a usage error. */
async function readManifest(path: string, cwd: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch {
    throw new UsageError(`--manifest: cannot read ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`--manifest: ${path} is not JSON (${(err as Error).message})`);
  }
}
