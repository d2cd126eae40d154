import { createHash } from 'node:crypto';
import type { SecurityEventInput } from '../audit/security-event';
import type { KeyRing } from './key-ring';

/** How often one refused key is logged again while it keeps trying. */
const REPEAT_MS = 60_000;

/** A short, stable name for a public key in logs: the first 16 hex digits of its SHA-256. */
export function keyFingerprint(publicKey: string): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

/**
 * For the core's CURVE `authorize`: a key the ring refuses is logged on the
 * security trail (`host.refused`) when it is one the core once admitted and
 * retired (revoked, replaced, spent, expired), with that reason, at most
 * once a minute per key. Unknown keys are refused silently: anyone can make
 * one, and the trail must not be theirs to fill. Always returns undefined.
 */
export function refusedKeyReporter(
  ring: KeyRing,
  record: (e: SecurityEventInput) => void,
  now: () => number = Date.now,
): (publicKey: string) => undefined {
  const lastLogged = new Map<string, number>();
  return (publicKey) => {
    const retired = ring.retired(publicKey);
    if (!retired) return undefined;
    const t = now();
    if (t - (lastLogged.get(publicKey) ?? -Infinity) < REPEAT_MS) return undefined;
    lastLogged.set(publicKey, t);
    if (lastLogged.size > 1024) lastLogged.delete(lastLogged.keys().next().value as string);
    record({
      kind: 'host.refused',
      outcome: 'denied',
      subject: retired.identity,
      target: 'core',
      reason: `handshake refused for key ${keyFingerprint(publicKey)}: ${retired.reason} at ${new Date(retired.at).toISOString()}`,
    });
    return undefined;
  };
}

/** The identity a fenced key (replaced or evicted by the operator) connects as, or undefined. */
export function fencedAs(ring: KeyRing, publicKey: string): string | undefined {
  const retired = ring.retired(publicKey);
  return retired?.fenced ? `fenced:${retired.identity}` : undefined;
}
