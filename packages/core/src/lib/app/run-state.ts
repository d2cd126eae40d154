import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
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

function socketAnswers(address: string): Promise<boolean> {
  if (!address.startsWith('ipc://')) return Promise.resolve(true);
  return new Promise((done) => {
    const probe = createConnection(address.slice('ipc://'.length));
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
}

/** The run recorded for this config, or undefined when there is none (or it is unreadable). */
export async function readRunRecord(configFile: string): Promise<RunRecord | undefined> {
  try {
    const record = JSON.parse(
      await readFile(runPathsFor(configFile).stateFile, 'utf8'),
    ) as RunRecord;
    return typeof record.pid === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Is the recorded run still serving? Its pid must be alive and, once it
 * recorded an operator socket, that socket must answer (a recycled pid is
 * not the app).
 */
export async function isRunLive(record: RunRecord): Promise<boolean> {
  if (!pidAlive(record.pid)) return false;
  return record.operator === undefined || socketAnswers(record.operator);
}

async function countSockets(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    if (String(entry).endsWith('.sock')) n++;
  }
  return n;
}

/**
 * Remove what a dead run of this config left behind (run.json, its
 * credential, its socket directory). Returns what was swept, or undefined
 * when there was nothing stale. A live run is left alone.
 */
export async function sweepStaleRun(configFile: string): Promise<SweptRun | undefined> {
  const paths = runPathsFor(configFile);
  const record = await readRunRecord(configFile);
  if (record && (await isRunLive(record))) return undefined;
  const runtimeDir = record?.runtimeDir === paths.runtimeDir ? record.runtimeDir : paths.runtimeDir;
  const sockets = await countSockets(runtimeDir);
  const hadState = record !== undefined;
  if (!hadState && sockets === 0) return undefined;
  await rm(runtimeDir, { recursive: true, force: true });
  await rm(paths.dir, { recursive: true, force: true });
  return {
    pid: record?.pid ?? 0,
    ...(record?.startedAt ? { startedAt: record.startedAt } : {}),
    sockets,
  };
}

/**
 * Claim this config's runtime state for this process: refuse when a live
 * run holds it (naming its pid), sweep a dead run's leftovers, then create
 * run.json exclusively (two racing starts: one wins).
 */
export async function claimRun(configFile: string): Promise<{ paths: RunPaths; swept?: SweptRun }> {
  const file = resolve(configFile);
  const paths = runPathsFor(file);
  const swept = await sweepStaleRun(file);
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
    const running = await readRunRecord(file);
    throw new TesseraError(
      ErrorCode.FAILED_PRECONDITION,
      `${basename(file)} is already running (pid ${running?.pid ?? 'unknown'}` +
        `${running?.startedAt ? `, since ${running.startedAt}` : ''}): stop it first ` +
        `(Ctrl-C in its terminal, or kill ${running?.pid ?? '<pid>'})`,
      { field: 'config', ...(running ? { pid: running.pid } : {}) },
    );
  }
  return { paths, ...(swept ? { swept } : {}) };
}

/** Record the operator socket in run.json once it listens. */
export async function recordOperator(
  paths: RunPaths,
  record: Pick<RunRecord, 'operator' | 'operatorKey'>,
): Promise<void> {
  const current = JSON.parse(await readFile(paths.stateFile, 'utf8')) as RunRecord;
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...current, ...record }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, paths.stateFile);
}

/** Remove this run's state and sockets (close). */
export async function releaseRun(paths: RunPaths): Promise<void> {
  await rm(paths.runtimeDir, { recursive: true, force: true });
  await rm(paths.dir, { recursive: true, force: true });
}

/** The same, synchronously: for a forced exit, where no promise gets to run. */
export function releaseRunSync(paths: RunPaths): void {
  rmSync(paths.runtimeDir, { recursive: true, force: true });
  rmSync(paths.dir, { recursive: true, force: true });
}
