import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';
import {
  type RunRecord,
  claimRun,
  isRunLive,
  releaseRun,
  runPathsFor,
  sweepStaleRun,
} from './run-state';

/** A pid that was alive and has exited: what a kill -9 leaves in run.json. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('run state: claim and sweep exclude each other', () => {
  let dir: string;
  let config: string;
  const dead = deadPid();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-runstate-'));
    config = join(dir, 'tessera.config.json');
    writeFileSync(config, '{}');
  });
  afterEach(async () => {
    await sweepStaleRun(config).catch(() => undefined);
    rmSync(runPathsFor(config).runtimeDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a run killed with -9 leaves: run.json naming a dead pid, its key, a socket. */
  const leaveStaleRun = () => {
    const paths = runPathsFor(config);
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const record: RunRecord = {
      pid: dead,
      config,
      startedAt: new Date(0).toISOString(),
      runtimeDir: paths.runtimeDir,
    };
    writeFileSync(paths.stateFile, JSON.stringify(record));
    writeFileSync(paths.keyFile, 'old key', { mode: 0o600 });
    mkdirSync(paths.runtimeDir, { recursive: true });
    writeFileSync(join(paths.runtimeDir, 'old.sock'), '');
  };

  it('a sweep racing a start never removes the new run.json or its key (many interleavings)', async () => {
    const paths = runPathsFor(config);
    for (let i = 0; i < 200; i++) {
      leaveStaleRun();
      // The start (which sweeps under the lock, then writes run.json and its key) against a
      // sweep by another command, begun 0-24 event-loop turns apart either way.
      const lead = Math.floor(i / 2) % 25;
      const start = (async () => {
        if (i % 2) await ticks(lead);
        const { paths: claimed } = await claimRun(config);
        writeFileSync(claimed.keyFile, 'new key', { mode: 0o600 });
      })();
      const sweep = (async () => {
        if (!(i % 2)) await ticks(lead);
        await sweepStaleRun(config);
      })();
      await Promise.all([start, sweep]);
      const record = JSON.parse(readFileSync(paths.stateFile, 'utf8')) as RunRecord;
      expect(record.pid).toBe(process.pid);
      expect(readFileSync(paths.keyFile, 'utf8')).toBe('new key');
      await releaseRun(paths);
      expect(existsSync(paths.dir)).toBe(false);
    }
  }, 60_000);

  it('two starts racing over a stale run: exactly one wins, and its run.json stays', async () => {
    const paths = runPathsFor(config);
    for (let i = 0; i < 30; i++) {
      leaveStaleRun();
      const results = await Promise.allSettled([
        claimRun(config),
        ticks(i % 6).then(() => claimRun(config)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(TesseraError);
      expect((refused.reason as Error).message).toContain(`already running (pid ${process.pid}`);
      expect(existsSync(paths.stateFile)).toBe(true);
      await releaseRun(paths);
    }
  }, 60_000);

  it('breaks a lock whose holder died mid-claim, and keeps a live holder out', async () => {
    const paths = runPathsFor(config);
    mkdirSync(join(dir, '.tessera/run'), { recursive: true });
    writeFileSync(`${paths.dir}.lock`, `${dead} deadbeef\n`);
    await claimRun(config);
    expect(existsSync(`${paths.dir}.lock`)).toBe(false);
    await releaseRun(paths);
    // A live holder (this pid, another nonce: another claim in progress) is waited for.
    writeFileSync(`${paths.dir}.lock`, `${process.pid} cafef00d\n`);
    let claimed = false;
    const claim = claimRun(config).then(() => (claimed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(claimed).toBe(false);
    expect(existsSync(paths.stateFile)).toBe(false);
    rmSync(`${paths.dir}.lock`);
    await claim;
    expect(existsSync(paths.stateFile)).toBe(true);
    await releaseRun(paths);
    // A lock far older than a claim takes is stale even if its pid is alive (reused since).
    writeFileSync(`${paths.dir}.lock`, `${process.pid} 0ld10ck\n`);
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(`${paths.dir}.lock`, longAgo, longAgo);
    await claimRun(config);
    expect(existsSync(paths.stateFile)).toBe(true);
    await releaseRun(paths);
  });

  it('a run whose pid lives but whose operator socket refuses counts as dead only after retries', async () => {
    const record: RunRecord = {
      pid: process.pid,
      config,
      startedAt: new Date().toISOString(),
      runtimeDir: runPathsFor(config).runtimeDir,
      operator: `ipc://${join(dir, 'nobody.sock')}`,
    };
    const began = Date.now();
    expect(await isRunLive(record)).toBe(false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(350);
  });
});
