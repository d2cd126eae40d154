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
  /** Remote keys: how many attaches the core has accepted for this key (the latest attach's epoch). */
  readonly epoch?: number;
  /**
   * Remote keys: the host process that attached last (its random instance
   * id) and the incarnation the core gave it, kept across core restarts so
   * callers hear of a restart only when the instance changed.
   */
  readonly instance?: string;
  readonly incarnation?: number;
}

/** An admission as the core's state directory keeps it (join and remote keys only). */
export interface PersistedAdmission extends Admission {
  readonly publicKey: string;
}

/** A key that left the ring, remembered so a later handshake with it is logged with the reason. */
export interface RetiredKey {
  readonly identity: string;
  readonly reason: string;
  readonly at: number;
  /**
   * Replaced or evicted by the operator: the key may still open a channel to
   * the core, only to be told so (`attach` answers "fenced"), so a stale
   * process learns why and exits instead of retrying forever.
   */
  readonly fenced?: boolean;
}

/** How many retired keys are remembered (oldest forgotten first). */
const MAX_RETIRED = 256;

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
  private readonly changeListeners = new Set<() => void>();
  private readonly retiredKeys = new Map<string, RetiredKey>();

  constructor(private readonly now: () => number = Date.now) {}

  admit(publicKey: string, identity: string, options: AdmitOptions = {}): void {
    this.prune();
    const kind = options.kind ?? 'local';
    this.admitted.set(publicKey, {
      identity,
      kind,
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
      ...(options.facts ? { facts: options.facts } : {}),
    });
    this.retiredKeys.delete(publicKey);
    if (kind !== 'local') this.changed();
  }

  /** Remove a key; its open sessions are closed by the listeners. `reason` is remembered for refused handshakes. */
  revoke(publicKey: string, reason = 'revoked', options: { fence?: boolean } = {}): boolean {
    const a = this.admitted.get(publicKey);
    if (!a) return false;
    this.admitted.delete(publicKey);
    this.retire(publicKey, a, reason, options.fence === true);
    this.notify(publicKey, a.identity);
    return true;
  }

  /** Why a key that is no longer admitted left the ring, if it was join or remote and is remembered. */
  retired(publicKey: string): RetiredKey | undefined {
    return this.retiredKeys.get(publicKey);
  }

  /** The join and remote admissions, for the state directory. */
  persistent(): PersistedAdmission[] {
    this.prune();
    return [...this.admitted]
      .filter(([, a]) => a.kind !== 'local')
      .map(([publicKey, a]) => ({ publicKey, ...a }));
  }

  /** Retired keys, for the state directory. */
  retiredList(): (RetiredKey & { publicKey: string })[] {
    return [...this.retiredKeys].map(([publicKey, r]) => ({ publicKey, ...r }));
  }

  /** Put back what {@link persistent} and {@link retiredList} saved (a restarted core); expired ones are dropped. */
  restore(
    admissions: readonly PersistedAdmission[],
    retired: readonly (RetiredKey & { publicKey: string })[] = [],
  ): void {
    for (const r of retired)
      this.retiredKeys.set(r.publicKey, {
        identity: r.identity,
        reason: r.reason,
        at: r.at,
        ...(r.fenced ? { fenced: true } : {}),
      });
    for (const a of admissions) {
      const { publicKey, identity, kind, expiresAt, facts, epoch, instance, incarnation } = a;
      if (kind === 'local' || (expiresAt !== undefined && this.now() >= expiresAt)) continue;
      this.admitted.set(publicKey, {
        identity,
        kind,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ...(facts ? { facts } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
        ...(instance !== undefined ? { instance } : {}),
        ...(incarnation !== undefined ? { incarnation } : {}),
      });
      this.retiredKeys.delete(publicKey);
    }
  }

  /** Called (synchronously) after a join or remote admission is added or removed; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
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
    this.retire(publicKey, a, 'join credential spent');
    return a;
  }

  /** The live admission of a key (expired ones are removed), or undefined. */
  lookup(publicKey: string): Admission | undefined {
    const a = this.admitted.get(publicKey);
    if (!a) return undefined;
    if (this.expired(a)) {
      this.admitted.delete(publicKey);
      this.retire(publicKey, a, 'expired');
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
  revokeIdentity(identity: string, reason = 'revoked', options: { fence?: boolean } = {}): void {
    for (const [key, a] of [...this.admitted])
      if (a.identity === identity) this.revoke(key, reason, options);
  }

  /** Remember which host instance attached with a remote key, and its incarnation (saved at once). */
  noteInstance(publicKey: string, instance: string, incarnation: number): void {
    const a = this.lookup(publicKey);
    if (!a || a.kind !== 'remote') return;
    if (a.instance === instance && a.incarnation === incarnation) return;
    this.admitted.set(publicKey, { ...a, instance, incarnation });
    this.changed();
  }

  /** A remote key attaches once more: its next epoch, remembered (and saved) at once. */
  nextEpoch(publicKey: string): number {
    const a = this.lookup(publicKey);
    if (!a || a.kind !== 'remote') throw new Error('epochs are kept for remote keys only');
    const epoch = (a.epoch ?? 0) + 1;
    this.admitted.set(publicKey, { ...a, epoch });
    this.changed();
    return epoch;
  }

  /** Called after a key leaves the ring (revoked, replaced or expired); returns an unsubscribe. */
  onRevoke(listener: (publicKey: string, identity: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private retire(publicKey: string, a: Admission, reason: string, fenced = false): void {
    if (a.kind === 'local') return;
    this.retiredKeys.set(publicKey, {
      identity: a.identity,
      reason,
      at: this.now(),
      ...(fenced && a.kind === 'remote' ? { fenced: true } : {}),
    });
    while (this.retiredKeys.size > MAX_RETIRED) {
      const oldest = this.retiredKeys.keys().next().value as string;
      this.retiredKeys.delete(oldest);
    }
    this.changed();
  }

  private changed(): void {
    for (const l of [...this.changeListeners]) {
      try {
        l();
      } catch {
        // Saving is the listener's business; the ring goes on.
      }
    }
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
