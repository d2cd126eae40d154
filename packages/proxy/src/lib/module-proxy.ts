import {
  TesseraError,
  ErrorCode,
  EVENT_SCOPE_PREFIX,
  closestName,
  eventScope,
  hasCode,
} from '@tessera/protocol';
import type { Grant, TokenManager } from '@tessera/token-manager';
import type { CallContext, EventSpec, MethodSpec, ModuleDescription } from './module-description';
import { isDispatchableName } from './reserved-names';
import { RateLimiter } from './terms/rate-limiter';
import { ResourceGuard, type ResourceParams } from './terms/resource-guard';

type Method = (...args: unknown[]) => unknown;

/** Options of a {@link ModuleProxy}. */
export interface ModuleProxyOptions {
  /**
   * `'error'` (default): a denied call rejects with a typed error.
   * `'empty'`: Logos compatibility; a call denied for want of a valid grant
   * resolves to `undefined` (the module code still never runs).
   */
  deniedResult?: 'error' | 'empty';
}

/**
 * Per-connection memory of the last grant verified, keyed by the exact token
 * string. A repeat of that token is re-checked (revocation, expiry, caller,
 * scope) without parsing it again; any other token is verified in full.
 */
export interface VerifiedCache {
  token?: string;
  grant?: Grant;
  /** The connection's carrier key (e.g. CURVE), which key-bound grants must match. */
  key?: string;
}

/** Receives events for one subscription. */
export type EventSink = (event: string, payload: unknown) => void;

interface Subscription {
  grantId: string;
  caller: string;
  sink: EventSink;
  /** The carrier key of the connection it was made on. */
  key: string | undefined;
}

const DENIALS: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.PERMISSION_DENIED,
]);

/** What the call being dispatched carries when it came without one (a direct `invoke`). */
const NO_CALL: { readonly signal?: AbortSignal } = Object.freeze({});

/**
 * The call the proxy is dispatching right now, during the synchronous part
 * of the module's method (what `ctx.caller` and `ctx.signal` read).
 */
export interface ActiveCall {
  grant: Grant;
  /** Aborted when the caller cancels, times out or goes away; absent for a direct `invoke`. */
  signal?: AbortSignal;
}

/**
 * Stands in front of a module. Only declared methods are in the dispatch
 * table; every call is checked against the target's {@link TokenManager}
 * (token, caller binding, scope, expiry, revocation), then against its
 * grant's rate limit and resource constraints, before the module's code can
 * run.
 */
export class ModuleProxy {
  private readonly table = new Map<string, { fn: Method; self: object; withContext: boolean }>();
  private readonly limiter: RateLimiter;
  private readonly guard: ResourceGuard;
  private activeGrant: Grant | undefined;
  private activeCall: { readonly signal?: AbortSignal } | undefined;
  private readonly methods: MethodSpec[];
  private readonly events = new Map<string, EventSpec>();
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private readonly empty: boolean;

  /** How denied calls answer: a typed error, or (Logos compatibility) `undefined`. */
  get deniedResult(): 'error' | 'empty' {
    return this.empty ? 'empty' : 'error';
  }

  constructor(
    readonly module: string,
    instance: object,
    spec: { methods: MethodSpec[]; events: EventSpec[] },
    private readonly tokens: TokenManager,
    options: ModuleProxyOptions = {},
  ) {
    this.empty = options.deniedResult === 'empty';
    for (const m of spec.methods) {
      if (!isDispatchableName(m.name)) {
        throw TesseraError.invalidArgument(`${module}: '${m.name}' cannot be declared as a method`);
      }
      const fn = (instance as Record<string, unknown>)[m.name];
      if (typeof fn !== 'function') {
        throw TesseraError.invalidArgument(
          `${module}: declared method '${m.name}' is not a function`,
        );
      }
      this.table.set(m.name, {
        fn: fn as Method,
        self: instance,
        withContext: m.withContext === true,
      });
    }
    this.methods = spec.methods.map((m) => ({ name: m.name, params: [...m.params] }));
    for (const e of spec.events) this.events.set(e.name, e);
    this.limiter = new RateLimiter(module);
    this.guard = new ResourceGuard(module, resourceParams(module, spec.methods));
  }

  /**
   * Check and dispatch one call. Returns the method's value (or promise).
   * Throws `UNAUTHENTICATED`, `PERMISSION_DENIED` or `METHOD_NOT_FOUND`
   * before any module code runs.
   */
  invoke(
    token: unknown,
    caller: string | undefined,
    method: string,
    args: unknown[],
    call?: { readonly signal: AbortSignal },
    cache?: VerifiedCache,
  ): unknown {
    let grant: Grant;
    try {
      if (cache !== undefined && cache.grant !== undefined && cache.token === token) {
        grant = this.tokens.recheck(cache.grant, caller, method, cache.key);
      } else {
        grant = this.tokens.verify(token, caller, method, cache?.key);
        if (cache !== undefined) {
          cache.token = token as string;
          cache.grant = grant;
        }
      }
    } catch (err) {
      if (this.empty && err instanceof TesseraError && DENIALS.has(err.code)) return undefined;
      // Out of scope under a live grant, for a method the module does not have: a typo, said so.
      if (hasCode(err, ErrorCode.PERMISSION_DENIED) && !this.table.has(method))
        throw this.noSuchMethod(method);
      throw err;
    }
    const entry = this.table.get(method);
    if (!entry) throw this.noSuchMethod(method);
    // The grant's terms, checked only when it has them: a grant without pays two reads.
    const { rateLimit, constraints } = grant;
    if (rateLimit !== undefined)
      this.limiter.admit(grant, rateLimit, method, this.tokens.checkedAt);
    if (constraints !== undefined) {
      try {
        this.guard.check(constraints, method, args);
      } catch (err) {
        if (this.empty) return undefined;
        throw err;
      }
    }
    if (entry.withContext) {
      const ctx: CallContext = call
        ? { caller: grant.caller, grant: grant.id, signal: call.signal }
        : { caller: grant.caller, grant: grant.id };
      return entry.fn.call(entry.self, ctx, ...args);
    }
    // What `ctx.caller` / `ctx.signal` read, for the synchronous part of the method.
    const outerGrant = this.activeGrant;
    const outerCall = this.activeCall;
    this.activeGrant = grant;
    this.activeCall = call ?? NO_CALL;
    try {
      // Reflect.apply: no bound function, no spread of the arguments on every call.
      return Reflect.apply(entry.fn, entry.self, args);
    } finally {
      this.activeGrant = outerGrant;
      this.activeCall = outerCall;
    }
  }

  /**
   * `METHOD_NOT_FOUND`, with the closest method name when one is near. Only
   * ever thrown to a caller holding a live grant on this module, which may
   * list every method anyway (`$describe`): a caller without one gets
   * `UNAUTHENTICATED` and learns nothing of the method table.
   */
  private noSuchMethod(method: string): TesseraError {
    const name = String(method).slice(0, 128);
    const near = closestName(name, [...this.table.keys()]);
    return TesseraError.methodNotFound(
      `${this.module} has no method '${name}'${near !== undefined ? `; did you mean '${near}'?` : ''}`,
      near !== undefined ? { suggestion: near } : undefined,
    );
  }

  /**
   * The call being dispatched, while the module's method runs
   * synchronously (before its first `await`); undefined otherwise. Never a
   * stale call: it is cleared as soon as the method returns (or yields).
   */
  active(): ActiveCall | undefined {
    const grant = this.activeGrant;
    if (grant === undefined) return undefined;
    const signal = this.activeCall?.signal;
    return signal !== undefined ? { grant, signal } : { grant };
  }

  /** Introspection: declared methods and events. Needs a live grant, no particular scope. */
  describe(token: unknown, caller: string | undefined, key?: string): ModuleDescription {
    this.tokens.authenticate(token, caller, key);
    return this.description();
  }

  private description(): ModuleDescription {
    return {
      module: this.module,
      methods: this.methods.map((m) => ({ name: m.name, params: [...m.params] })),
      events: [...this.events.values()].map((e) => ({ name: e.name, params: [...e.params] })),
    };
  }

  /**
   * Subscribe to a declared event. Needs a grant whose scope holds
   * `event:<name>`. Each delivery re-checks that grant, so revocation and
   * expiry stop events on the very next emit, unless the caller holds
   * another live grant with that scope, usable on the same connection (the
   * pair's renewed grant, issued before the old one is revoked): the
   * subscription moves to it, so a renewal loses no event. Returns an
   * unsubscribe.
   */
  subscribe(
    token: unknown,
    caller: string | undefined,
    event: string,
    sink: EventSink,
    key?: string,
  ): () => void {
    const grant = this.tokens.verify(token, caller, eventScope(event), key);
    if (!this.events.has(event))
      throw TesseraError.notFound(`${this.module} declares no event '${event}'`);
    const sub: Subscription = { grantId: grant.id, caller: grant.caller, sink, key };
    let set = this.subscriptions.get(event);
    if (!set) this.subscriptions.set(event, (set = new Set()));
    set.add(sub);
    return () => set.delete(sub);
  }

  /** Deliver an event the module emitted to every subscriber whose grant is still live. */
  emit(event: string, payload: unknown): number {
    if (!this.events.has(event)) {
      throw TesseraError.invalidArgument(`${this.module} emitted undeclared event '${event}'`);
    }
    const set = this.subscriptions.get(event);
    if (!set) return 0;
    let delivered = 0;
    const scope = EVENT_SCOPE_PREFIX + event;
    for (const sub of set) {
      if (!this.tokens.isLive(sub.grantId, sub.caller, scope)) {
        const successor = this.tokens.liveGrantFor(sub.caller, scope, sub.key);
        if (!successor) {
          set.delete(sub);
          continue;
        }
        sub.grantId = successor.id;
      }
      try {
        sub.sink(event, payload);
        delivered++;
      } catch {
        set.delete(sub); // a broken subscriber must not stop the others
      }
    }
    return delivered;
  }
}

/**
 * Where each method's declared resource parameters sit in its arguments.
 * A resource that is not one of the method's parameters is a declaration
 * error: the module does not start (rather than a constraint that could
 * never be checked).
 */
function resourceParams(module: string, methods: readonly MethodSpec[]): ResourceParams {
  const out = new Map<string, Map<string, number>>();
  for (const m of methods) {
    if (!m.resources?.length) continue;
    const at = new Map<string, number>();
    for (const name of m.resources) {
      const index = m.params.indexOf(name);
      if (index < 0)
        throw TesseraError.invalidArgument(
          `${module}: ${m.name} declares resource parameter '${name}', but its parameters are (${m.params.join(', ')})`,
        );
      at.set(name, index);
    }
    out.set(m.name, at);
  }
  return out;
}
