import { describeScope } from '@tessera/cli';
import {
  ErrorCode,
  type RateLimit,
  type ResourceConstraints,
  TesseraError,
} from '@tessera/protocol';
import type { Script } from './script';

/** A live grant as `grants()` lists it, the part these steps show. */
export interface GrantView {
  caller: string;
  target: string;
  methods: string[];
  reason: string;
  constraints?: ResourceConstraints;
  rateLimit?: RateLimit;
}

/** What the scenario's terms steps need of the operator session. */
export interface TermsSession {
  callModule<T>(module: string, method: string, args: unknown[]): Promise<T>;
  grants(): Promise<GrantView[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The policy's grant terms, as the user sees them: a resource constraint
 * (the operator may `get` only `note:*` keys from storage) refused at
 * storage's door, and a rate limit (1 `list` a second, burst 2) that
 * refuses the third of three calls with the wait, then lets one through
 * once that wait is over.
 */
export async function playTermsSteps(script: Script, session: TermsSession): Promise<void> {
  const grantOf = async (caller: string, target: string) => {
    const g = (await session.grants()).find((x) => x.caller === caller && x.target === target);
    return g && `${caller}'s grant on ${target}: ${describeScope(g)} (policy: ${g.reason})`;
  };

  await script.denied(
    'operator → storage.get("config:admin")   (the policy lets the operator read only note:* keys)',
    () => session.callModule('storage', 'get', ['config:admin']),
    `key "config:admin" is outside this grant's constraint on get.key`,
    () => grantOf('operator', 'storage'),
  );

  let retryAfterMs = 0;
  await script.allowed(
    'operator → storage.list("note:") × 3 at once   (the policy allows the operator 1 list a second, burst 2)',
    async () => {
      const calls = [1, 2, 3].map(() => session.callModule<string[]>('storage', 'list', ['note:']));
      const outcomes = await Promise.allSettled(calls);
      const served = outcomes.filter((o) => o.status === 'fulfilled').length;
      const refusal = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
        ?.reason as unknown;
      if (refusal instanceof TesseraError && refusal.code === ErrorCode.RESOURCE_EXHAUSTED)
        retryAfterMs = Number(refusal.data?.['retryAfterMs']);
      return { served, refusal };
    },
    ({ served, refusal }) =>
      `${served} served, the 3rd refused before storage ran: ${(refusal as TesseraError).code}: ${(refusal as Error).message}`,
    ({ served, refusal }) =>
      served === 2 && retryAfterMs > 0 && retryAfterMs <= 1000
        ? undefined
        : `expected 2 served and RESOURCE_EXHAUSTED with retryAfterMs, got ${served} and ${String(refusal)}`,
  );

  await script.allowed(
    `operator → storage.list("note:") again, ${retryAfterMs} ms later   (the bucket refilled)`,
    async () => {
      await sleep(retryAfterMs);
      return session.callModule<string[]>('storage', 'list', ['note:']);
    },
    (keys) => `${keys.length} key${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`,
  );
}
