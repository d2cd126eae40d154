import type { CliIo } from './command';
import { ExitCode } from './exit-codes';
import type { OperatorSession } from './operator-session';
import { type SignalSource, onStopSignals } from './signals';

/**
 * Keep `session` open while its event listeners print, until Ctrl-C or
 * SIGTERM (exit 0) or the app stops (exit 1, saying so). Closes the session.
 */
export async function followUntilStopped(
  session: OperatorSession,
  io: CliIo,
  signals: SignalSource = process,
): Promise<ExitCode> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<'signal'>((resolve) => (stop = () => resolve('signal')));
  const off = onStopSignals(signals, stop, stop);
  try {
    const why = await Promise.race([stopped, session.ended.then(() => 'ended' as const)]);
    if (why === 'ended') {
      io.stderr('the app stopped: nothing more to follow\n');
      return ExitCode.FAILURE;
    }
    return ExitCode.OK;
  } finally {
    off();
    await session.close();
  }
}
