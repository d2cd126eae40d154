import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import { defaultRuntimeDir } from '@tessera/transport-ipc';

/**
 * Where one app's runtime state lives, keyed by its config file's path: two
 * configs in one folder (or the same folder's app started from two
 * configs) never share a run.json, a credential or a socket directory.
 */
export interface RunPaths {
  /** `<app>/.tessera/run/<config file name>/` */
  readonly dir: string;
  /** `run.json`: pid, operator address, config, start time, runtime dir (no secrets). */
  readonly stateFile: string;
  /** `operator.key`: this run's operator credential (0600). */
  readonly keyFile: string;
  /** The private directory of this app's ipc sockets: `<ipc runtime dir>/app-<hash of the config path>`. */
  readonly runtimeDir: string;
}

export function runPathsFor(configFile: string): RunPaths {
  const file = resolve(configFile);
  const dir = join(dirname(file), '.tessera', 'run', basename(file));
  const hash = createHash('sha256').update(file).digest('hex').slice(0, 12);
  return {
    dir,
    stateFile: join(dir, 'run.json'),
    keyFile: join(dir, 'operator.key'),
    runtimeDir: join(defaultRuntimeDir(), `app-${hash}`),
  };
}

/** What `tessera run` records in run.json while the app runs. */
export interface RunRecord {
  pid: number;
  config: string;
  startedAt: string;
  runtimeDir: string;
  /** Set once the operator socket listens. */
  operator?: string;
  operatorKey?: string;
}

/** What a sweep removed of a run that died without cleaning up (a kill -9, a forced exit). */
export interface SweptRun {
  pid: number;
  startedAt?: string;
  /** Socket files removed from the run's runtime dir. */
  sockets: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function socketAnswers(address: string): Promise<boolean> {
  if (!address.startsWith('ipc://')) return Promise.resolve(true);
  return new Promise((done) => {
    const probe = createConnection(address.slice('ipc://'.length));
    const timer = setTimeout(() => {
      probe.destroy();
      done(false);
    }, 1000);
    probe.once('connect', () => {
      clearTimeout(timer);
      probe.destroy();
      done(true);
    });
    probe.once('error', () => {
      clearTimeout(timer);
      done(false);
    });
  });
}

function parseRecord(text: string): RunRecord | undefined {
  try {
    const record = JSON.parse(text) as RunRecord;
    return typeof record?.pid === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The run recorded for this config, or undefined when there is none (or it is unreadable). */
export async function readRunRecord(configFile: string): Promise<RunRecord | undefined> {
  const text = await readFile(runPathsFor(configFile).stateFile, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseRecord(text);
}

/** How often the operator socket is probed before a run with a live pid counts as dead. */
const PROBES = 3;
const PROBE_GAP_MS = 200;

/**
 * Is the recorded run still serving? Its pid must be alive and, once it
 * recorded an operator socket, that socket must answer (a recycled pid is
 * not the app). One refused probe is not enough (a busy app, a full
 * backlog): the socket is probed up to three times, 200 ms apart.
 */
export async function isRunLive(record: RunRecord): Promise<boolean> {
  for (let probe = 1; ; probe++) {
    if (!pidAlive(record.pid)) return false;
    if (record.operator === undefined || (await socketAnswers(record.operator))) return true;
    if (probe >= PROBES) return false;
    await sleep(PROBE_GAP_MS);
  }
}

async function countSockets(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    if (String(entry).endsWith('.sock')) n++;
  }
  return n;
}

/** How long a claim or sweep waits for another process's to finish (they take milliseconds). */
const LOCK_WAIT_MS = 45_000;
/** A lock older than this is stale whatever its pid (a claim holds it for a few seconds at most). */
const LOCK_STALE_MS = 30_000;

/**
 * Run `fn` holding this config's run lock (`.tessera/run/<config>.lock`):
 * claiming, sweeping and releasing the run state exclude each other across
 * processes, so a sweep never removes a run.json that a start wrote after
 * the sweep read the old one. The lock file holds its holder's pid and a
 * nonce, and is created whole (written aside, then hard-linked into place,
 * which fails when it exists). A lock whose holder is dead (killed
 * mid-claim), or older than 30 s (its pid reused since), is stale: it is
 * renamed aside and removed only when it is still the one read as stale;
 * another process's fresh lock moved by mistake is linked back. (Left: a
 * third process taking the lock in the instant before that link; it needs
 * a holder killed mid-claim and three starts at once.)
 */
async function withRunLock<T>(paths: RunPaths, fn: () => Promise<T>): Promise<T> {
  const lock = `${paths.dir}.lock`;
  await mkdir(dirname(lock), { recursive: true, mode: 0o700 });
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  const aside = `${lock}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(aside, mine, { mode: 0o600, flag: 'wx' });
  try {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await link(aside, lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = await readFile(lock, 'utf8').catch(() => undefined);
      if (held === undefined) continue; // released meanwhile
      const pid = Number(held.split(' ')[0]);
      // Held far longer than a claim takes: its holder died and the pid was reused.
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid) || age > LOCK_STALE_MS) {
        await breakStaleLock(lock, held);
        continue;
      }
      if (Date.now() > deadline)
        throw TesseraError.unavailable(
          `the run state of ${basename(paths.dir)} is being claimed or swept by pid ${pid}: try again`,
        );
      await sleep(Math.min(5 * 2 ** attempt, 100));
    }
  } finally {
    await rm(aside, { force: true });
  }
  try {
    return await fn();
  } finally {
    // Removed only while it is still ours (a stale-lock breaker may have moved it).
    if ((await readFile(lock, 'utf8').catch(() => undefined)) === mine)
      await rm(lock, { force: true });
  }
}

async function breakStaleLock(lock: string, held: string): Promise<void> {
  const tomb = `${lock}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lock, tomb);
  } catch {
    return; // someone else broke or released it
  }
  const taken = await readFile(tomb, 'utf8').catch(() => undefined);
  // Not the stale lock read: another process broke it and took the lock meanwhile. Give it back.
  if (taken !== held) await link(tomb, lock).catch(() => undefined);
  await rm(tomb, { force: true });
}

/** Holding the lock: the live run, or what a dead run left, swept. */
async function sweepLocked(paths: RunPaths): Promise<{ live?: RunRecord; swept?: SweptRun }> {
  const text = await readFile(paths.stateFile, 'utf8').catch(() => undefined);
  const record = text === undefined ? undefined : parseRecord(text);
  if (record && (await isRunLive(record))) return { live: record };
  const runtimeDir = record?.runtimeDir === paths.runtimeDir ? record.runtimeDir : paths.runtimeDir;
  const sockets = await countSockets(runtimeDir);
  if (text === undefined && sockets === 0) return {};
  await rm(runtimeDir, { recursive: true, force: true });
  await rm(paths.dir, { recursive: true, force: true });
  return {
    swept: {
      pid: record?.pid ?? 0,
      ...(record?.startedAt ? { startedAt: record.startedAt } : {}),
      sockets,
    },
  };
}

/**
 * Remove what a dead run of this config left behind (run.json, its
 * credential, its socket directory). Returns what was swept, or undefined
 * when there was nothing stale. A live run is left alone. Holds the run
 * lock, so it never races a start of the same config.
 */
export async function sweepStaleRun(configFile: string): Promise<SweptRun | undefined> {
  const paths = runPathsFor(configFile);
  return (await withRunLock(paths, () => sweepLocked(paths))).swept;
}

/**
 * Claim this config's runtime state for this process: refuse when a live
 * run holds it (naming its pid), sweep a dead run's leftovers, then create
 * run.json, all under the run lock (two racing starts, or a start and a
 * sweep: one at a time).
 */
export async function claimRun(configFile: string): Promise<{ paths: RunPaths; swept?: SweptRun }> {
  const file = resolve(configFile);
  const paths = runPathsFor(file);
  const swept = await withRunLock(paths, async () => {
    const found = await sweepLocked(paths);
    if (found.live) throw alreadyRunning(file, found.live);
    const record: RunRecord = {
      pid: process.pid,
      config: file,
      startedAt: new Date().toISOString(),
      runtimeDir: paths.runtimeDir,
    };
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    try {
      await writeFile(paths.stateFile, JSON.stringify(record, null, 2) + '\n', {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw alreadyRunning(file, await readRunRecord(file));
    }
    return found.swept;
  });
  return { paths, ...(swept ? { swept } : {}) };
}

function alreadyRunning(file: string, running: RunRecord | undefined): TesseraError {
  return new TesseraError(
    ErrorCode.FAILED_PRECONDITION,
    `${basename(file)} is already running (pid ${running?.pid ?? 'unknown'}` +
      `${running?.startedAt ? `, since ${running.startedAt}` : ''}): stop it first ` +
      `(Ctrl-C in its terminal, or kill ${running?.pid ?? '<pid>'})`,
    { field: 'config', ...(running ? { pid: running.pid } : {}) },
  );
}

/** Record the operator socket in run.json once it listens. */
export async function recordOperator(
  paths: RunPaths,
  record: Pick<RunRecord, 'operator' | 'operatorKey'>,
): Promise<void> {
  const current = JSON.parse(await readFile(paths.stateFile, 'utf8')) as RunRecord;
  if (current.pid !== process.pid)
    throw TesseraError.failedPrecondition(
      `${paths.stateFile} now belongs to pid ${current.pid}, not to this run`,
    );
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...current, ...record }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, paths.stateFile);
}

/** Is run.json (text, or undefined when absent) this process's own, or no one's? */
function oursOrNone(text: string | undefined): boolean {
  return text === undefined || parseRecord(text)?.pid === process.pid;
}

/** Remove this run's state and sockets (close); never another run's that claimed the config since. */
export async function releaseRun(paths: RunPaths): Promise<void> {
  await withRunLock(paths, async () => {
    if (!oursOrNone(await readFile(paths.stateFile, 'utf8').catch(() => undefined))) return;
    await rm(paths.runtimeDir, { recursive: true, force: true });
    await rm(paths.dir, { recursive: true, force: true });
  });
}

/** The same, synchronously: for a forced exit, where no promise gets to run (no lock; checked by pid). */
export function releaseRunSync(paths: RunPaths): void {
  let text: string | undefined;
  try {
    text = readFileSync(paths.stateFile, 'utf8');
  } catch {
    text = undefined;
  }
  if (!oursOrNone(text)) return;
  rmSync(paths.runtimeDir, { recursive: true, force: true });
  rmSync(paths.dir, { recursive: true, force: true });
}
