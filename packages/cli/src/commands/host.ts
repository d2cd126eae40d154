import { readFile } from 'node:fs/promises';
import { runRemoteHost } from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { describeError } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { UsageError } from '../lib/usage-error';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export const host: Command = {
  path: ['host'],
  summary: 'host one module for a core on another machine (ZeroMQ + CURVE)',
  usage: `usage: tessera host --module <package> [--listen tcp://0.0.0.0:0] [--advertise name]
                    [--identity-file file] [--join-file file] < credential

Runs the module package (found by npm name from the current directory) for a
remote core. The first time, give the one-time credential from 'tessera admit'
on standard input (or --join-file): never on the command line, where other
users could read it. The host makes its own key pair, registers its public
key with the core, and serves the module; with --identity-file it keeps that
key (mode 0600) so a restarted host re-attaches without a new credential.

The package's manifest (provides, requires) must match what the operator
pinned at 'tessera admit', or the core refuses it (PERMISSION_DENIED naming
the difference). A credential is spent by its first join, and refused once
expired; a key the operator revoked or replaced (--replace) is refused at the
next connection, and its open connections are closed.

  --module pkg          the module package to host
  --listen addr         where the module listens (default tcp://0.0.0.0:0)
  --advertise name      host name other machines reach this one by
  --identity-file file  keep this host's key pair here
  --join-file file      read the credential from a file instead of stdin

Exit codes: 0 stopped by a signal, 1 could not join or attach, 2 usage error.`,
  async run(argv, io) {
    const { strings } = parseCommandLine(argv, {
      strings: ['module', 'listen', 'advertise', 'identity-file', 'join-file'],
    });
    if (!strings.module) throw new UsageError('--module <package> is required');
    const credential = strings['join-file']
      ? (await readFile(strings['join-file'], 'utf8')).trim()
      : await readStdin();
    let running;
    try {
      running = await runRemoteHost({
        modulePackage: strings.module,
        cwd: io.cwd,
        credential: credential || undefined,
        identityFile: strings['identity-file'],
        listen: strings.listen,
        advertise: strings.advertise,
        log: (line) => io.stdout(`${line}\n`),
      });
    } catch (err) {
      io.stderr(`tessera host: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    io.stdout('stopping…\n');
    await running.stop();
    io.stdout('stopped\n');
    return ExitCode.OK;
  },
};
