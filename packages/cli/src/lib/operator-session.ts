import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CoreApi, isRunLive, operatorKeyFileFor, readRunRecord } from '@tessera/core';
import { contractClient } from '@tessera/host';
import type { Client } from '@tessera/sdk';
import type { EventFrame } from '@tessera/protocol';
import { RpcPeer } from '@tessera/transport';
import { IpcTransport } from '@tessera/transport-ipc';
import { tokenId } from '@tessera/token-manager';
import { describeError } from './errors';
import type { CliIo } from './command';
import { ExitCode } from './exit-codes';

/** What `tessera run` records in `.tessera/run/<config file name>/run.json` while the app runs. */
export interface RunState {
  pid: number;
  operator: string;
  config: string;
  startedAt: string;
}

/** There is no app running for this config (no state file, a dead pid, or a dead socket). */
export class NoRunningAppError extends Error {
  override readonly name = 'NoRunningAppError';
  constructor(configShown: string, detail?: string) {
    super(
      `no running app for ${configShown}${detail ? ` (${detail})` : ''}: start it with \`tessera run\``,
    );
  }
}

/**
 * Read the run state of a config file; throws {@link NoRunningAppError} when
 * the app is not running. A dead run's leftovers (a kill -9) are reported,
 * not swept: only `tessera run` sweeps, under the run lock.
 */
export async function readRunState(configFile: string, configShown: string): Promise<RunState> {
  const record = await readRunRecord(resolve(configFile));
  if (!record) throw new NoRunningAppError(configShown);
  if (!(await isRunLive(record))) {
    // Reported, never removed here: a read-only command must not race a start of the config.
    throw new NoRunningAppError(
      configShown,
      `pid ${record.pid} has exited, or its operator socket no longer answers; the next \`tessera run\` sweeps its stale run state`,
    );
  }
  if (typeof record.operator !== 'string')
    throw new NoRunningAppError(
      configShown,
      `pid ${record.pid} is still starting, or runs without an operator socket`,
    );
  return { ...record, operator: record.operator };
}

/** Listeners of the core's events on one session, by event name. */
type EventListeners = Map<string, Set<(payload: unknown) => void>>;

/**
 * A logged-in connection to a running app's operator socket. Every call
 * carries the operator token the policy issued at `login`.
 */
export class OperatorSession {
  /** The core's API, typed: every call carries the operator token. */
  readonly core: Client<CoreApi>;
  /** Settles when the connection ends (the app stopped, or {@link close}). */
  readonly ended: Promise<void>;

  private constructor(
    private readonly transport: IpcTransport,
    private readonly peer: RpcPeer,
    private readonly token: string,
    /** When the operator token expires (ms since the epoch). */
    readonly expiresAt: number,
    private readonly listeners: EventListeners,
    ended: Promise<void>,
  ) {
    this.core = contractClient<CoreApi>(peer, { token });
    this.ended = ended;
    this.grantId = tokenId(token) ?? '';
  }

  /** The id (public half) of this session's grant: the trail names the session's actions by it. */
  readonly grantId: string;

  /**
   * Subscribe to one of the core's events (`grantChanged`,
   * `approvalChanged`): the policy must grant this session
   * `event:<name>`. Returns an unsubscribe.
   */
  async on(event: string, listener: (payload: unknown) => void): Promise<() => Promise<void>> {
    await this.peer.call('$subscribe', [event], { token: this.token });
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return async () => {
      if (!set.delete(listener) || set.size > 0) return;
      await this.peer.call('$unsubscribe', [event], { token: this.token }).catch(() => undefined);
    };
  }

  /** Connect to `address` (an `ipc://` operator socket) and log in with this run's credential. */
  static async open(address: string, credential: string): Promise<OperatorSession> {
    const transport = new IpcTransport();
    const listeners: EventListeners = new Map();
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    try {
      const peer = new RpcPeer(await transport.connect(address), {
        defaultTimeoutMs: 15_000,
        // Only the core's events arrive here: this connection goes to the core alone.
        onEvent: (frame: EventFrame) => {
          for (const l of listeners.get(frame.name) ?? []) l(frame.payload);
        },
        onClose: () => end(),
      });
      const login = (await peer.call('login', [{ credential }])) as {
        token: string;
        expiresAt: number;
      };
      return new OperatorSession(transport, peer, login.token, login.expiresAt, listeners, ended);
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  /** Connect to the app running for `configFile`. */
  static async forConfig(configFile: string, configShown: string): Promise<OperatorSession> {
    const state = await readRunState(configFile, configShown);
    const keyFile = operatorKeyFileFor(resolve(configFile));
    let credential: string;
    try {
      credential = (await readFile(keyFile, 'utf8')).trim();
    } catch (err) {
      throw new NoRunningAppError(
        configShown,
        `cannot read the operator credential ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    try {
      return await OperatorSession.open(state.operator, credential);
    } catch (err) {
      throw new NoRunningAppError(
        configShown,
        `cannot reach ${state.operator}: ${(err as Error).message}`,
      );
    }
  }

  /** Call `module.method(...args)` as the operator, under the grant the policy issues for it. */
  callModule<T = unknown>(module: string, method: string, args: unknown[] = []): Promise<T> {
    return this.core.callModule(module, method, args) as Promise<T>;
  }

  async close(): Promise<void> {
    await this.peer.close();
    await this.transport.close();
  }
}

/**
 * Ask the app running for the config one thing as the operator, then log
 * out: what it answered, or, when it refused, the exit code after saying why
 * on stderr. (No running app throws, as {@link OperatorSession.forConfig} does.)
 */
export async function askRunningApp<T>(
  file: string,
  shown: string,
  io: CliIo,
  ask: (core: Client<CoreApi>) => Promise<T>,
): Promise<{ answer: T } | { code: ExitCode }> {
  const session = await OperatorSession.forConfig(file, shown);
  try {
    return { answer: await ask(session.core) };
  } catch (err) {
    io.stderr(`error: ${describeError(err)}\n`);
    return { code: ExitCode.FAILURE };
  } finally {
    await session.close();
  }
}
