/** One admitted key. */
interface Admission {
  identity: string;
  /** Join keys are good once, until they expire. */
  expiresAt?: number;
  remote: boolean;
}

/**
 * The CURVE public keys the core has admitted, and who each stands for.
 * The core's ZAP handler asks it before a client can send a single byte;
 * capability grants are bound to the key of the caller's host.
 */
export class KeyRing {
  private readonly admitted = new Map<string, Admission>();

  constructor(private readonly now: () => number = Date.now) {}

  admit(
    publicKey: string,
    identity: string,
    options: { expiresAt?: number; remote?: boolean } = {},
  ): void {
    this.admitted.set(publicKey, {
      identity,
      expiresAt: options.expiresAt,
      remote: options.remote ?? false,
    });
  }

  revoke(publicKey: string): boolean {
    return this.admitted.delete(publicKey);
  }

  /** ZAP: the identity of an admitted key, or undefined (refused). */
  identityOf(publicKey: string): string | undefined {
    const a = this.admitted.get(publicKey);
    if (!a) return undefined;
    if (a.expiresAt !== undefined && this.now() >= a.expiresAt) {
      this.admitted.delete(publicKey);
      return undefined;
    }
    return a.identity;
  }

  /** True when `publicKey` was admitted for a host on another machine. */
  isRemote(publicKey: string): boolean {
    return this.admitted.get(publicKey)?.remote === true;
  }

  /** The (latest) key admitted for `identity`. */
  keyOf(identity: string): string | undefined {
    let found: string | undefined;
    for (const [key, a] of this.admitted) if (a.identity === identity) found = key;
    return found;
  }

  /** Forget every key of `identity` (module unloaded for good). */
  revokeIdentity(identity: string): void {
    for (const [key, a] of this.admitted) if (a.identity === identity) this.admitted.delete(key);
  }
}
