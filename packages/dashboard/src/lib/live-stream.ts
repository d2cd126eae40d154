import type { OperatorLink } from './operator-link';
import { modulesView } from './views';

/** One message of the live stream: an event name and its JSON data. */
export interface LiveMessage {
  event: 'grant' | 'approval' | 'security' | 'modules';
  data: unknown;
}

/**
 * Feed one open page: the core's `grantChanged`, `approvalChanged` and
 * `security` events as they happen, and module rows when the lifecycle
 * changes and every `statsEveryMs` (CPU and memory are samples). Nothing is
 * subscribed while no page is open, so an idle dashboard costs the app nothing.
 * Returns a stop that unsubscribes.
 */
export async function openLiveStream(
  link: OperatorLink,
  send: (m: LiveMessage) => void,
  statsEveryMs = 2000,
): Promise<() => Promise<void>> {
  let stopped = false;
  const pushModules = (): void => {
    if (stopped) return;
    modulesView(link).then(
      (data) => !stopped && send({ event: 'modules', data }),
      () => undefined,
    );
  };
  const offs = await Promise.all([
    link.on('grantChanged', (data) => send({ event: 'grant', data })),
    link.on('approvalChanged', (data) => send({ event: 'approval', data })),
    link.on('security', (data) => {
      send({ event: 'security', data });
      if (String((data as { kind?: unknown }).kind).startsWith('module.')) pushModules();
    }),
  ]);
  const timer = setInterval(pushModules, statsEveryMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await Promise.all(offs.map((off) => off().catch(() => undefined)));
  };
}
