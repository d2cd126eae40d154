import type { ModuleFacts } from '@tessera/policy';

/**
 * What an admitted key is for: a local host the core started, a one-time
 * join key from a credential, or a host on another machine that joined.
 */
export type AdmissionKind = 'local' | 'join' | 'remote';

/** One admitted key: who it stands for, until when, and (remote) the facts pinned at `tessera admit`. */
export interface Admission {
  readonly identity: string;
  readonly kind: AdmissionKind;
  /** Join keys are good once, until they expire. */
  readonly expiresAt?: number;
  /** For join and remote keys: the module facts the operator admitted, the only ones policy sees. */
  readonly facts?: ModuleFacts;
}

export interface AdmitOptions {
  kind?: AdmissionKind;
  expiresAt?: number;
  facts?: ModuleFacts;
}

/**
 * The CURVE public keys the core has admitted, and who each stands for.
 * The core's ZAP handler and every carrier handshake step ask it live (no
 * copy is kept anywhere); capability grants are bound to the key of the
 * caller's host. Removing a key ({@link revoke}, {@link revokeIdentity}, or
 * expiry) tells the {@link onRevoke} listeners, which close the sessions that
 * key authenticated. Expired keys are pruned on every admission, so the ring
 * stays as small as the set of live keys.
 */
export class KeyRing {
  private readonly admitted = new Map<string, Admission>();
  private readonly listeners = new Set<(publicKey: string, identity: string) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  admit(publicKey: string, identity: string, options: AdmitOptions = {}): void {
    this.prune();
    this.admitted.set(publicKey, {
      identity,
      kind: options.kind ?? 'local',
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
      ...(options.facts ? { facts: options.facts } : {}),
    });
  }

  /** Remove a key; its open sessions are closed by the listeners. */
  revoke(publicKey: string): boolean {
    const a = this.admitted.get(publicKey);
    if (!a) return false;
    this.admitted.delete(publicKey);
    this.notify(publicKey, a.identity);
    return true;
  }

  /**
   * Take a join key for its one use: returns its admission and removes it,
   * in one synchronous step, only if it is a live (unexpired) join key. Two
   * joins racing with one credential: the first takes it, the second gets
   * `undefined`. The session making this join stays open to carry its reply.
   */
  spend(publicKey: string): Admission | undefined {
    const a = this.lookup(publicKey);
    if (!a || a.kind !== 'join') return undefined;
    this.admitted.delete(publicKey);
    return a;
  }

  /** The live admission of a key (expired ones are removed), or undefined. */
  lookup(publicKey: string): Admission | undefined {
    const a = this.admitted.get(publicKey);
    if (!a) return undefined;
    if (this.expired(a)) {
      this.admitted.delete(publicKey);
      this.notify(publicKey, a.identity);
      return undefined;
    }
    return a;
  }

  /** ZAP and the carrier handshake: the identity of a live key, or undefined (refused). */
  identityOf(publicKey: string): string | undefined {
    return this.lookup(publicKey)?.identity;
  }

  /** True when `publicKey` is live and was admitted for a host on another machine. */
  isRemote(publicKey: string): boolean {
    return this.lookup(publicKey)?.kind === 'remote';
  }

  /** The (latest) live key admitted for `identity`. */
  keyOf(identity: string): string | undefined {
    let found: string | undefined;
    for (const [key, a] of this.admitted)
      if (a.identity === identity && !this.expired(a)) found = key;
    return found;
  }

  /** Forget every key of `identity` (module unloaded for good, or replaced). */
  revokeIdentity(identity: string): void {
    for (const [key, a] of [...this.admitted]) if (a.identity === identity) this.revoke(key);
  }

  /** Called after a key leaves the ring (revoked, replaced or expired); returns an unsubscribe. */
  onRevoke(listener: (publicKey: string, identity: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private expired(a: Admission): boolean {
    return a.expiresAt !== undefined && this.now() >= a.expiresAt;
  }

  private prune(): void {
    for (const [key, a] of [...this.admitted]) if (this.expired(a)) this.lookup(key);
  }

  /**
   * Listeners run on the next turn: the key is already gone (every lookup
   * refuses it), and a call that found it gone, on a session about to be
   * closed, still gets its refusal out first.
   */
  private notify(publicKey: string, identity: string): void {
    if (this.listeners.size === 0) return;
    setImmediate(() => {
      for (const l of [...this.listeners]) {
        try {
          l(publicKey, identity);
        } catch {
          // A listener's failure must not keep a key alive or stop the others.
        }
      }
    });
  }
}
