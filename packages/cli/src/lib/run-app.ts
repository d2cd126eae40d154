import { dirname, resolve } from 'node:path';
import { type CoreEvent, type RunningApp, startApp } from '@tessera/core';
import type { PolicyLogger } from '@tessera/policy';
import type { CliIo } from './command';
import { describeError, isInputError } from './errors';
import { ExitCode } from './exit-codes';
import { configFileOf } from './config-option';
import { displayPath, formatDuration } from './format';
import { runLineOf } from './approval-lines';
import { formatCoreEvent } from './progress';
import { FORCED_EXIT_CODE, type SignalSource, onStopSignals } from './signals';
import { serveDashboard } from './serve-dashboard';

export interface RunAppOptions {
  /** The config file as given (default ./tessera.config.json), relative to `io.cwd`. */
  config?: string;
  io: CliIo;
  /**
   * Runs once every module is ready. Return an exit code to stop the app
   * with it, or `undefined` to keep serving until SIGINT/SIGTERM.
   */
  afterStart?: (app: RunningApp) => Promise<ExitCode | undefined>;
  /** Default: `process`. */
  signals?: SignalSource;
  /** Called on a second Ctrl-C; default `process.exit(130)`. */
  forceExit?: (code: number) => void;
}

/**
 * `tessera run`, shared with apps that embed it: start the app from its
 * config with one progress line per module, serve until a signal (or until
 * `afterStart` returns a code), then close everything and remove the run's
 * state (`.tessera/run/<config>/`) and sockets. Never throws: every outcome is an {@link ExitCode}.
 */
export async function runApp(options: RunAppOptions): Promise<ExitCode> {
  const { io } = options;
  const { file, shown } = configFileOf(options.config, io.cwd);
  const signals = options.signals ?? process;
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code));
  let requestStop: () => void = () => undefined;
  let stopRequested = false;
  let running: RunningApp | undefined;
  const stopSignal = new Promise<void>((resolveStop) => (requestStop = resolveStop));
  const removeSignals = onStopSignals(
    signals,
    () => {
      stopRequested = true;
      io.stdout('\nstopping…\n');
      requestStop();
    },
    () => {
      io.stderr('forced exit: modules may be left running\n');
      // No promise runs after this: remove run.json, the credential and the sockets now.
      running?.releaseSync();
      forceExit(FORCED_EXIT_CODE);
    },
  );
  try {
    const app = await start(file, shown, io, options.afterStart === undefined);
    if (typeof app === 'number') return app;
    running = app;
    const dashboard = app.config.dashboard;
    let served: Awaited<ReturnType<typeof serveDashboard>> | undefined;
    if (dashboard) {
      try {
        served = await serveDashboard({
          ...{ configFile: file, configShown: shown, config: app.config, io },
          ...dashboard,
        });
      } catch (err) {
        io.stderr(`✗ dashboard: ${describeError(err)}\n`);
        await app.close().catch(() => undefined);
        return ExitCode.FAILURE;
      }
    }
    let code: ExitCode | undefined;
    if (!stopRequested && options.afterStart) {
      const after = options.afterStart(app).catch((err: unknown) => {
        io.stderr(`✗ ${describeError(err)}\n`);
        return ExitCode.FAILURE;
      });
      code = await Promise.race([after, stopSignal.then(() => undefined)]);
    }
    if (code === undefined) await stopSignal;
    else if (!stopRequested) io.stdout('stopping…\n');
    await served?.close().catch(() => undefined);
    try {
      await app.close();
    } catch (err) {
      io.stderr(`✗ stop failed: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    }
    io.stdout('stopped\n');
    return code ?? ExitCode.OK;
  } finally {
    removeSignals();
  }
}

/** Start the app, printing progress; returns the exit code instead when it could not start. */
async function start(
  file: string,
  shown: string,
  io: CliIo,
  hint: boolean,
): Promise<RunningApp | ExitCode> {
  io.stdout(`tessera: starting ${shown}\n`);
  const t0 = Date.now();
  const events: CoreEvent[] = [];
  const policyLogger: PolicyLogger = {
    info: (message) => io.stdout(`· ${message}\n`),
    warn: (message) => io.stderr(`! policy: ${message}\n`),
    error: (message) => io.stderr(`! policy: ${message}\n`),
  };
  let app: RunningApp;
  try {
    app = await startApp(file, {
      policyLogger,
      onEvent: (e) => {
        events.push(e);
        (e.kind === 'failed' || e.kind === 'crashed' ? io.stderr : io.stdout)(
          `${formatCoreEvent(e)}\n`,
        );
      },
    });
  } catch (err) {
    if (events.some((e) => e.kind === 'failed')) return ExitCode.FAILURE; // the ✗ line said why
    io.stderr(`tessera run: ${isInputError(err) ? err.message : describeError(err)}\n`);
    return isInputError(err) ? ExitCode.USAGE : ExitCode.FAILURE;
  }
  if (app.swept) {
    io.stdout(
      `· swept the stale state of a run that did not stop cleanly (pid ${app.swept.pid}` +
        `${app.swept.startedAt ? `, started ${app.swept.startedAt}` : ''}; ${app.swept.sockets} socket(s))\n`,
    );
  }
  // Requests the policy asks the operator about, and how they ended.
  app.app.core.capability.onEvent((e) => {
    const line = runLineOf(e);
    if (line !== undefined) io.stdout(`${line}\n`);
  });
  const ready = events.filter((e) => e.kind === 'ready').length;
  const { config } = app;
  const where = config.isolation === 'process' ? 'process isolation' : 'in-process';
  io.stdout(
    `✓ ${ready} module${ready === 1 ? '' : 's'} ready in ${formatDuration(Date.now() - t0)} · ${where} over ${config.transport.kind}` +
      ` · policy ${config.policy.bundle}${config.policy.watch ? ' (watched)' : ''}\n`,
  );
  if (config.audit.kind === 'jsonl')
    io.stdout(
      `  decision log  ${displayPath(resolve(dirname(file), config.audit.path), io.cwd)}\n`,
    );
  if (app.operatorAddress) {
    io.stdout(`  operator      ${app.operatorAddress}\n`);
    if (hint) io.stdout(`  try           npx tessera ls --config ${shown}   (Ctrl-C to stop)\n`);
  }
  return app;
}
