import { type GrantTerms, TesseraError } from '@tessera/protocol';
import type { Grant, GrantInfo, OutboundToken } from './grant';
import { parseToken, secretMatches, tokenId } from './token';

interface StoredGrant extends Grant {
  readonly secret: string;
  methods: ReadonlySet<string>;
  constraints?: GrantTerms['constraints'];
  rateLimit?: GrantTerms['rateLimit'];
  /**
   * The manager holding it, while it is stored; cleared the moment it is
   * revoked, replaced or found expired. Non-enumerable: never copied out or
   * serialized. Lets {@link TokenManager.recheck} tell a grant is still
   * stored without a lookup in a store of any size.
   */
  heldBy?: TokenManager;
}

/** Options for {@link TokenManager}. */
export interface TokenManagerOptions {
  /** Clock in epoch ms; tests inject one to expire tokens without waiting. */
  now?: () => number;
  /**
   * The owner's incarnation (the core counts the starts of each module). Set,
   * the manager refuses a grant minted for another incarnation, or for none.
   */
  incarnation?: number;
}

/**
 * One per module. Inbound grants (who may call me, keyed by token id) and
 * outbound tokens (what I present to whom, keyed by target) live in separate
 * maps and never share a key space. Every check runs synchronously, so each
 * operation is atomic with respect to interleaved async work.
 */
export class TokenManager {
  private readonly inbound = new Map<string, StoredGrant>();
  private readonly outboundByTarget = new Map<string, OutboundToken>();
  private readonly clock: () => number;
  /** The owner's incarnation, when it knows it (see {@link TokenManagerOptions.incarnation}). */
  readonly incarnation: number | undefined;
  /**
   * The clock's reading at the last token check: the door runs a grant's
   * rate limit on the same instant as its expiry check, one clock read a call.
   */
  checkedAt = 0;

  constructor(
    /** The module this manager belongs to: the target of every inbound grant. */
    readonly owner: string,
    options: TokenManagerOptions = {},
  ) {
    this.clock = options.now ?? Date.now;
    this.incarnation = options.incarnation;
  }

  /** The manager's clock, in epoch ms: what expiries are measured against. */
  now(): number {
    return this.clock();
  }

  /**
   * Store an inbound grant for `token`. Replaces a grant with the same id.
   * Refused (`UNAUTHENTICATED`) when it was minted for another incarnation
   * of the owner.
   */
  addGrant(token: string, info: GrantInfo): Grant {
    const parsed = parseToken(token);
    if (!parsed) throw TesseraError.invalidArgument('malformed token in grant');
    if (this.incarnation !== undefined && info.incarnation !== this.incarnation) {
      throw TesseraError.unauthenticated(
        `token was minted for another incarnation of ${this.owner}`,
        {
          incarnation: this.incarnation,
          ...(info.incarnation !== undefined ? { minted: info.incarnation } : {}),
        },
      );
    }
    const grant: StoredGrant = {
      id: parsed.id,
      secret: parsed.secret,
      caller: info.caller,
      target: this.owner,
      methods: new Set(info.methods),
      expiresAt: info.expiresAt,
      generation: info.generation,
      ...(info.incarnation !== undefined ? { incarnation: info.incarnation } : {}),
      ...(info.callerKey !== undefined ? { callerKey: info.callerKey } : {}),
      ...(info.constraints !== undefined ? { constraints: info.constraints } : {}),
      ...(info.rateLimit !== undefined ? { rateLimit: info.rateLimit } : {}),
    };
    Object.defineProperty(grant, 'heldBy', { value: this, writable: true, enumerable: false });
    const replaced = this.inbound.get(parsed.id);
    if (replaced !== undefined) replaced.heldBy = undefined;
    this.inbound.set(parsed.id, grant);
    return grant;
  }

  /**
   * Authenticate a presented token for `caller` and check that `scope` (a
   * method, or `event:<name>`) is granted. Throws `UNAUTHENTICATED` for a
   * missing, unknown, revoked, expired or other-caller token and
   * `PERMISSION_DENIED` for a scope the grant does not cover.
   */
  verify(token: unknown, caller: string | undefined, scope: string, key?: string): Grant {
    return this.inScope(this.authenticate(token, caller, key), scope);
  }

  /**
   * Authenticate without a scope check (introspection needs only a live
   * grant). `key` is the carrier key of the connection the token came on; a
   * grant bound to a key accepts no other (nor a connection without one).
   */
  authenticate(token: unknown, caller: string | undefined, key?: string): Grant {
    if (typeof token !== 'string' || token.length === 0) {
      throw TesseraError.unauthenticated('missing token');
    }
    const id = tokenId(token);
    const grant = id === undefined ? undefined : this.inbound.get(id);
    if (!grant || !secretMatches(token, grant.secret)) {
      throw TesseraError.unauthenticated('unknown or revoked token');
    }
    return this.live(grant, caller, key);
  }

  /** The caller a carrier key stands for, if some live grant is bound to it (ZAP authorization). */
  callerForKey(key: string): string | undefined {
    const now = this.clock();
    for (const g of this.inbound.values())
      if (g.callerKey === key && now < g.expiresAt) return g.caller;
    return undefined;
  }

  /**
   * Re-check a grant this connection already authenticated with the very
   * same token string: still the stored grant (not revoked or replaced),
   * unexpired, same caller, scope held. Same errors as {@link verify}.
   */
  recheck(grant: Grant, caller: string | undefined, scope: string, key?: string): Grant {
    // Still held by this manager: every removal clears `heldBy` at once, so no lookup is needed.
    const stored = grant as StoredGrant;
    if (stored.heldBy !== this) throw TesseraError.unauthenticated('unknown or revoked token');
    return this.inScope(this.live(stored, caller, key), scope);
  }

  /** The checks every path shares once the grant is found: expiry, caller binding, key binding. */
  private live(grant: StoredGrant, caller: string | undefined, key: string | undefined): Grant {
    const now = (this.checkedAt = this.clock());
    if (now >= grant.expiresAt) {
      this.remove(grant);
      throw TesseraError.unauthenticated('token expired');
    }
    if (caller !== undefined && grant.caller !== caller) {
      throw TesseraError.unauthenticated('token was not issued to this caller');
    }
    if (grant.callerKey !== undefined && grant.callerKey !== key) {
      throw TesseraError.unauthenticated('token is bound to another connection key');
    }
    return grant;
  }

  private inScope(grant: Grant, scope: string): Grant {
    if (!grant.methods.has(scope)) {
      throw TesseraError.permissionDenied(
        `'${scope}' is not granted to ${grant.caller} on ${this.owner}`,
      );
    }
    return grant;
  }

  /**
   * Cheap re-check of a grant already authenticated once (event delivery):
   * still present, same caller, unexpired, scope held.
   */
  isLive(id: string, caller: string, scope: string): boolean {
    const grant = this.inbound.get(id);
    if (!grant || grant.caller !== caller || !grant.methods.has(scope)) return false; // key was checked at subscribe
    if (this.clock() >= grant.expiresAt) {
      this.remove(grant);
      return false;
    }
    return true;
  }

  /** Take a grant out of the store; its `heldBy` goes with it, so cached copies fail their recheck. */
  private remove(grant: StoredGrant): void {
    grant.heldBy = undefined;
    this.inbound.delete(grant.id);
  }

  /**
   * A live grant of `caller` holding `scope` that a connection with carrier
   * key `key` may use, if any: what an event subscription moves to when the
   * grant it was made under is replaced (renewed) rather than taken away.
   */
  liveGrantFor(caller: string, scope: string, key?: string): Grant | undefined {
    const now = this.clock();
    for (const g of this.inbound.values()) {
      if (g.caller !== caller || !g.methods.has(scope) || now >= g.expiresAt) continue;
      if (g.callerKey !== undefined && g.callerKey !== key) continue;
      return g;
    }
    return undefined;
  }

  /**
   * Replace a grant's scope (policy reload narrowed it) and, when `terms` is
   * given, its constraints and rate limit (absent fields: none). False if
   * the grant is gone.
   */
  narrow(id: string, methods: readonly string[], terms?: GrantTerms): boolean {
    const grant = this.inbound.get(id);
    if (!grant) return false;
    grant.methods = new Set(methods);
    if (terms !== undefined) {
      if (terms.constraints !== undefined) grant.constraints = terms.constraints;
      else delete grant.constraints;
      if (terms.rateLimit !== undefined) grant.rateLimit = terms.rateLimit;
      else delete grant.rateLimit;
    }
    return true;
  }

  /** Revoke one grant by token id. */
  revoke(id: string): boolean {
    const grant = this.inbound.get(id);
    if (grant === undefined) return false;
    this.remove(grant);
    return true;
  }

  /** Revoke every grant held by `caller`; returns how many. */
  revokeByCaller(caller: string): number {
    let n = 0;
    for (const g of this.inbound.values()) {
      if (g.caller === caller) {
        this.remove(g);
        n++;
      }
    }
    return n;
  }

  /** Revoke every inbound grant (module unloaded). */
  revokeAll(): number {
    const n = this.inbound.size;
    for (const g of this.inbound.values()) g.heldBy = undefined;
    this.inbound.clear();
    return n;
  }

  /** Drop grants whose expiry has passed; returns how many. */
  pruneExpired(): number {
    const now = this.clock();
    let n = 0;
    for (const g of this.inbound.values()) {
      if (now >= g.expiresAt) {
        this.remove(g);
        n++;
      }
    }
    return n;
  }

  /** Live inbound grants, without their secrets. */
  grants(): Grant[] {
    return [...this.inbound.values()].map(({ secret: _secret, ...g }) => g);
  }

  /** Remember the token to present to `target`. */
  setOutbound(target: string, token: string, methods: readonly string[], expiresAt: number): void {
    this.outboundByTarget.set(target, { target, token, methods: new Set(methods), expiresAt });
  }

  /** The unexpired token for `target`, if any; `now` is the manager's clock, read once by a caller that has it. */
  outbound(target: string, now?: number): OutboundToken | undefined {
    const t = this.outboundByTarget.get(target);
    if (t && (now ?? this.clock()) >= t.expiresAt) {
      this.outboundByTarget.delete(target);
      return undefined;
    }
    return t;
  }

  /** Forget the token for `target` (revoked, or refused by the target). */
  dropOutbound(target: string): boolean {
    return this.outboundByTarget.delete(target);
  }

  /** Forget every outbound token; returns how many. */
  dropAllOutbound(): number {
    const n = this.outboundByTarget.size;
    this.outboundByTarget.clear();
    return n;
  }
}
