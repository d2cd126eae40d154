#!/usr/bin/env node
/**
 * `tessera host` as a standalone entry: host one module for a remote core.
 *   node remote-main.js --module <package> [--listen tcp://0.0.0.0:0] [--advertise host]
 *                       [--identity-file path] [--rejoin] [--passphrase-file f]
 *                       [--heartbeat-ms n] < credential
 * The join credential is read from standard input (or --join-file), never
 * from argv, where other users could read it.
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { TesseraError } from '@tessera/protocol';
import { runRemoteHost } from './remote-host';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const modulePackage = arg('module');
  if (!modulePackage) {
    process.stderr.write(
      'usage: tessera host --module <package> [--listen tcp://0.0.0.0:0] [--advertise host] [--identity-file f] [--join-file f] < credential\n',
    );
    process.exit(2);
  }
  const joinFile = arg('join-file');
  const host = await runRemoteHost({
    modulePackage,
    cwd: process.cwd(),
    // Read only when needed: a restart with an identity file never touches stdin.
    credential: async () =>
      (joinFile ? (await readFile(joinFile, 'utf8')).trim() : await readStdin()) || undefined,
    identityFile: arg('identity-file'),
    rejoin: flag('rejoin'),
    passphraseFile: arg('passphrase-file'),
    listen: arg('listen'),
    advertise: arg('advertise'),
    heartbeatIntervalMs: arg('heartbeat-ms') ? Number(arg('heartbeat-ms')) : undefined,
    heartbeatMisses: arg('heartbeat-misses') ? Number(arg('heartbeat-misses')) : undefined,
    log: (l) => process.stdout.write(`${l}\n`),
    onFenced: (reason) => {
      process.stderr.write(`tessera host: stopped, this process was replaced: ${reason}\n`);
      process.exit(3);
    },
    onHung: (reason) => {
      process.stderr.write(
        `tessera host: stopped, ${reason}; start it again for a fresh instance\n`,
      );
      process.exit(1);
    },
  });
  const stop = (): void => {
    void host.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `tessera host: ${err instanceof TesseraError ? `${err.code}: ${err.message}` : String(err)}\n`,
  );
  process.exit(err instanceof TesseraError && err.code === 'INVALID_ARGUMENT' ? 2 : 1);
});
