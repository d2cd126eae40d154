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
                    [--identity-file file] [--rejoin] [--passphrase-file file]
                    [--heartbeat-ms n] [--heartbeat-misses n] [--join-file file] < credential

Runs the module package (found by npm name from the current directory) for a
remote core. The first time, give the one-time credential from 'tessera admit'
on standard input (or --join-file): never on the command line, where other
users could read it. The host makes its own key pair, registers its public
key with the core, and serves the module; with --identity-file it keeps that
key, encrypted (AES-256-GCM under a passphrase, mode 0600), and every later
start uses the file and reads no credential, so the same command line is
restart-safe (e.g. under systemd). --rejoin joins again with a new credential.

The passphrase comes from --passphrase-file (a 0600 file), the variable
TESSERA_PASSPHRASE_FILE (the same), TESSERA_PASSPHRASE, or a prompt on the
terminal; never from the command line.

While the core is unreachable (restarted, link cut), the module keeps running
and serves calls on the grants it holds; new grants fail with UNAVAILABLE
until the host has re-attached by itself, with the same instance. A module
that keeps this process busy past the liveness budget (hung) has lost its
grants at the core: the host stops it and exits 1, to be started afresh.

The package's manifest (provides, requires) must match what the operator
pinned at 'tessera admit', or the core refuses it (PERMISSION_DENIED naming
the difference). A credential is spent by its first join, and refused once
expired; a key the operator revoked or replaced (--replace) is refused at the
next connection, and its open connections are closed.

  --module pkg          the module package to host
  --listen addr         where the module listens (default tcp://0.0.0.0:0)
  --advertise name      host name other machines reach this one by
  --identity-file file  keep this host's key pair here (encrypted)
  --rejoin              join with a new credential although the identity file exists
  --passphrase-file f   the file holding the identity file's passphrase
  --heartbeat-ms n      liveness beat on every connection (default 1000)
  --heartbeat-misses n  silent beats before a link counts as lost (default 5):
                        a cut shorter than n × beat is ridden out, not a crash
  --join-file file      read the credential from a file instead of stdin

Exit codes: 0 stopped by a signal, 1 could not join or attach, 2 usage error,
3 fenced: the operator replaced or evicted this host, or a newer process holds
its key (a service manager must not restart it: RestartPreventExitStatus=3).`,
  async run(argv, io) {
    const { strings, flags } = parseCommandLine(argv, {
      strings: [
        'module',
        'listen',
        'advertise',
        'identity-file',
        'join-file',
        'passphrase-file',
        'heartbeat-ms',
        'heartbeat-misses',
      ],
      booleans: ['rejoin'],
    });
    if (!strings.module) throw new UsageError('--module <package> is required');
    const heartbeat =
      strings['heartbeat-ms'] === undefined ? undefined : Number(strings['heartbeat-ms']);
    if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 10))
      throw new UsageError(
        `--heartbeat-ms must be a whole number ≥ 10 (got ${strings['heartbeat-ms']})`,
      );
    const misses =
      strings['heartbeat-misses'] === undefined ? undefined : Number(strings['heartbeat-misses']);
    if (misses !== undefined && (!Number.isInteger(misses) || misses < 2 || misses > 100))
      throw new UsageError(
        `--heartbeat-misses must be a whole number from 2 to 100 (got ${strings['heartbeat-misses']})`,
      );
    const joinFile = strings['join-file'];
    let fenced: (reason: string) => void = () => undefined;
    const fencedNow = new Promise<string>((resolve) => (fenced = resolve));
    let hung: (reason: string) => void = () => undefined;
    const hungNow = new Promise<string>((resolve) => (hung = resolve));
    let running;
    try {
      running = await runRemoteHost({
        modulePackage: strings.module,
        cwd: io.cwd,
        // Read only when needed: a restart with an identity file never touches stdin.
        credential: async () =>
          (joinFile ? (await readFile(joinFile, 'utf8')).trim() : await readStdin()) || undefined,
        identityFile: strings['identity-file'],
        rejoin: flags.rejoin === true,
        ...(strings['passphrase-file'] ? { passphraseFile: strings['passphrase-file'] } : {}),
        ...(heartbeat !== undefined ? { heartbeatIntervalMs: heartbeat } : {}),
        ...(misses !== undefined ? { heartbeatMisses: misses } : {}),
        listen: strings.listen,
        advertise: strings.advertise,
        log: (line) => io.stdout(`${line}\n`),
        onFenced: (reason) => fenced(reason),
        onHung: (reason) => hung(reason),
      });
    } catch (err) {
      io.stderr(`tessera host: ${describeError(err)}\n`);
      return isFencedError(err) ? ExitCode.FENCED : ExitCode.FAILURE;
    }
    const signalled = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const why = await Promise.race([
      fencedNow.then((reason) => ({ fenced: reason })),
      hungNow.then((reason) => ({ hung: reason })),
      signalled.then(() => undefined),
    ]);
    if (why && 'fenced' in why) {
      io.stderr(`tessera host: stopped, this process was replaced: ${why.fenced}\n`);
      return ExitCode.FENCED;
    }
    if (why) {
      // Not 3: a fresh start is what a hung module needs (systemd: Restart=on-failure).
      io.stderr(`tessera host: stopped, ${why.hung}; start it again for a fresh instance\n`);
      return ExitCode.FAILURE;
    }
    io.stdout('stopping…\n');
    await running.stop();
    io.stdout('stopped\n');
    return ExitCode.OK;
  },
};

/** The core's refusal of a replaced, evicted or stale host. */
function isFencedError(err: unknown): boolean {
  return (err as { data?: { fenced?: unknown } } | null)?.data?.fenced === true;
}
