import type { CapabilityModule, IssuedToken } from '@tessera/capability';
import type { DelegateRequest, DelegationInfo, ModuleRoute } from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
import type { KeyRing } from '../remote/key-ring';
import { CORE_FACTS, OPERATOR } from '../registry/core-facts';
import type { ModuleRegistry } from '../registry/module-registry';

/**
 * Turns "caller wants target" into one capability request: both parties'
 * facts from the registry and the caller's key from the key ring — never
 * from the request.
 */
export class TokenIssuer {
  constructor(
    private readonly registry: ModuleRegistry,
    private readonly capability: CapabilityModule,
    private readonly keyRing?: KeyRing,
  ) {}

  /**
   * A token for `caller` on `target` (a module, or the core). `session`
   * gives the grant a life of its own beside the pair's others, bound to
   * `session.key` (one per operator connection) instead of the caller's key.
   * The grant is minted for `targetIncarnation`, by default the target's
   * current one. `signal` aborts when the caller stops waiting (a request
   * the policy asks the operator about is then dropped).
   */
  async issue(
    caller: string,
    target: string,
    methods: string[] = [],
    session?: { id: string; key: string },
    targetIncarnation = this.registry.get(target)?.incarnation,
    signal?: AbortSignal,
  ): Promise<IssuedToken> {
    const subject = this.registry.facts(caller);
    if (!subject) throw TesseraError.unauthenticated(`unknown caller '${caller}'`);
    const targetFacts = target === 'core' ? CORE_FACTS : this.registry.facts(target);
    if (!targetFacts) throw TesseraError.notFound(`module '${target}' is not loaded`);
    const key = session ? session.key : this.keyOf(caller, target);
    return this.capability.requestModule({
      subject,
      target: targetFacts,
      methods,
      ...(targetIncarnation !== undefined ? { targetIncarnation } : {}),
      ...(signal ? { signal } : {}),
      channel: {
        ...(key !== undefined ? { key } : {}),
        ...(caller === OPERATOR ? { operator: true } : {}),
        ...(session ? { session: session.id } : {}),
        // A module's core token and an operator session live as long as their proven channel.
        ...(target === 'core' && (session || caller !== OPERATOR)
          ? { lifetime: 'channel' as const }
          : {}),
      },
    });
  }

  /**
   * `requestModule` on the core channel: a token for a ready module, where to
   * reach it, and which incarnation of it answers there.
   */
  async route(
    caller: string,
    target: string,
    methods: string[] = [],
    signal?: AbortSignal,
  ): Promise<ModuleRoute> {
    if (target === 'core')
      throw TesseraError.invalidArgument(
        'the core is reached through the core channel, not requested',
      );
    const record = this.registry.ready(target);
    // Minted for the incarnation whose address it returns: if another took its place meanwhile, its host refuses the grant.
    const issued = await this.issue(caller, target, methods, undefined, record.incarnation, signal);
    // The key the caller must find at that address: the one the core admitted, never what the host said.
    const serverKey = this.keyRing?.keyOf(target);
    return {
      ...issued,
      address: record.address as string,
      ...(serverKey ? { serverKey } : {}),
    };
  }

  /**
   * `delegate` on `from`'s core channel: both modules must be loaded
   * modules (never the core, the operator or `from` itself), the receiver's
   * grant is bound to its own key and minted for the target's current
   * incarnation. The capability module checks it against `from`'s live grant.
   */
  async delegate(from: string, req: DelegateRequest): Promise<DelegationInfo> {
    if (req.target === 'core' || req.to === 'core' || req.to === OPERATOR || from === OPERATOR)
      throw TesseraError.permissionDenied(
        'delegation is between modules: not the core or the operator',
      );
    const target = this.registry.ready(req.target);
    const receiver = this.registry.ready(req.to);
    if (!this.registry.get(from)) throw TesseraError.unauthenticated(`unknown caller '${from}'`);
    const key = this.keyRing?.keyOf(receiver.name);
    const d = await this.capability.delegate({
      from,
      subject: receiver.facts,
      target: target.facts,
      methods: req.methods,
      ...(req.ttlSeconds !== undefined ? { ttlSeconds: req.ttlSeconds } : {}),
      targetIncarnation: target.incarnation,
      channel: key !== undefined ? { key } : {},
    });
    return {
      id: d.id,
      target: d.target,
      to: d.to,
      methods: d.methods,
      expiresAt: d.expiresAt,
      chain: d.chain,
    };
  }

  /**
   * The carrier key a grant from `caller` to `target` is bound to. The
   * operator reaches the core over its private local socket (no key); the
   * calls the core relays for it travel with the core's own key.
   */
  private keyOf(caller: string, target: string): string | undefined {
    if (caller === OPERATOR && target === 'core') return undefined;
    return this.keyRing?.keyOf(caller);
  }
}
