import type { CapabilityModule } from '@tessera/capability';
import { type HostControl, type ModuleRequest, contractClient } from '@tessera/host';
import type { RpcPeer } from '@tessera/transport';
import { TesseraError, isValidName } from '@tessera/protocol';
import {
  MAX_REASON_CHARS,
  assertRequestedMethods,
  describeList,
  truncateText,
} from '@tessera/policy';
import type { CallContext } from '@tessera/proxy';
import type { DenialAggregator, SecurityTrail } from '../audit';
import type { TokenIssuer } from '../grants/token-issuer';
import { deniedCallsOf, delegateRequestOf, securityFilterOf } from './audit-requests';
import type { Loader } from '../lifecycle/loader';
import type { Supervisor } from '../lifecycle/supervisor';
import type { OperatorRelay } from '../operator/operator-relay';
import { OPERATOR } from '../registry/core-facts';
import type { ModuleRegistry } from '../registry/module-registry';
import { joinOptionsOf } from '../remote/join-request';
import type { RemoteAdmission } from '../remote/remote-admission';
import type { CoreApi } from './core-api';
import type { PolicyMonitor } from './policy-monitor';

/** A contract as its server implements it: the proven {@link CallContext} comes first. */
export type Served<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (ctx: CallContext, ...args: A) => R | Promise<Awaited<R>>
    : never;
};

export interface CoreSurfaceDeps {
  registry: ModuleRegistry;
  supervisor: Supervisor;
  loader: Loader;
  issuer: TokenIssuer;
  capability: CapabilityModule;
  relay: OperatorRelay;
  remote?: RemoteAdmission;
  /** The security trail operators read, and where hosts' door refusals are folded in. */
  trail: SecurityTrail;
  denials: DenialAggregator;
  /** The policy in force, for `policyStatus` and `policyEval`; absent: those fail. */
  policy?: PolicyMonitor;
}

const REQUEST_FIELDS: ReadonlySet<string> = new Set(['to', 'methods', 'from']);

/**
 * A `requestModule` argument as the module sent it, checked before anything
 * looks it up or the policy sees it: a known shape, a valid target name and
 * at most `REQUEST_LIMITS.maxMethods` real method names. Every check is
 * bounded, and no message quotes more than a few dozen characters of it.
 */
function moduleRequestOf(request: unknown): ModuleRequest {
  const req: unknown = typeof request === 'string' ? { to: request } : request;
  if (typeof req !== 'object' || req === null || Array.isArray(req))
    throw TesseraError.invalidArgument('requestModule takes {to, methods?}');
  const fields = Object.keys(req);
  const unknown = fields.filter((f) => !REQUEST_FIELDS.has(f));
  if (unknown.length > 0)
    throw TesseraError.invalidArgument(
      `requestModule takes {to, methods?}; unknown field(s): ${describeList(unknown, 4, 32)}`,
    );
  const { to, methods } = req as Record<string, unknown>;
  if (typeof to !== 'string')
    throw TesseraError.invalidArgument('requestModule takes {to, methods?}');
  if (!isValidName(to))
    throw TesseraError.invalidArgument(
      `requestModule: ${JSON.stringify(truncateText(to, 64))} is not a module name`,
    );
  if (methods !== undefined) assertRequestedMethods(methods);
  return req as ModuleRequest;
}

function operatorOnly(ctx: CallContext, what: string): void {
  if (ctx.caller !== OPERATOR) throw TesseraError.permissionDenied(`only the operator ${what}`);
}

/**
 * Run an operator's state-changing call and put it on the trail as
 * `operator.action`, with the grant id of the session that made it (the
 * one its `operator.session` line names), whether it worked or not.
 */
async function audited<T>(
  trail: SecurityTrail,
  ctx: CallContext,
  action: string,
  target: string | undefined,
  what: string,
  run: () => T | Promise<T>,
): Promise<Awaited<T>> {
  if (ctx.caller !== OPERATOR) return await run();
  const base = {
    kind: 'operator.action' as const,
    subject: OPERATOR,
    ...(target !== undefined ? { target } : {}),
    methods: [action],
    ...(ctx.grant !== undefined ? { grant: ctx.grant } : {}),
  };
  try {
    const out = await run();
    trail.record({ ...base, outcome: 'success', reason: what });
    return out;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    trail.record({
      ...base,
      outcome: code === 'PERMISSION_DENIED' ? 'denied' : 'failure',
      reason: `${what}: ${truncateText(String((err as Error).message), 200)}`,
      ...(typeof code === 'string' ? { code } : {}),
    });
    throw err;
  }
}

const nameOf = (x: unknown): string | undefined =>
  typeof x === 'string' ? truncateText(x, 64) : undefined;

/**
 * The core's {@link CoreApi}, served behind a ModuleProxy like any module.
 * The caller comes from the channel and its core token, never the request.
 */
export function coreSurface(d: CoreSurfaceDeps): Served<CoreApi> {
  return {
    register: (ctx, info) => d.supervisor.register(ctx.caller, info),
    requestModule: async (ctx, request) => {
      const req = moduleRequestOf(request);
      if (req.from !== undefined && req.from !== ctx.caller) {
        throw TesseraError.permissionDenied(
          `requestModule claims to come from '${truncateText(String(req.from), 64)}' but the channel is authenticated as '${ctx.caller}'`,
        );
      }
      // The signal ends a wait for the operator when the caller times out or cancels.
      return d.issuer.route(ctx.caller, req.to, req.methods ?? [], ctx.signal);
    },
    releaseModule: (ctx, target) => d.capability.release(ctx.caller, target),
    delegate: (ctx, request) => d.issuer.delegate(ctx.caller, delegateRequestOf(request)),
    reportDenials: (ctx, batch) => {
      // The target is whoever the channel proved: a host reports only its own door.
      const denials = deniedCallsOf(batch);
      for (const denial of denials) d.denials.add(ctx.caller, denial);
      return denials.length;
    },
    auditEvents: (ctx, filter) => {
      operatorOnly(ctx, 'reads the security trail');
      return d.trail.recent(securityFilterOf(filter));
    },
    listModules: () => d.registry.listModules(),
    listLoaded: () => d.registry.listModules().filter((m) => m.state === 'ready'),
    methods: (_ctx, name) => d.registry.describe(name),
    grants: () => d.capability.grants(),
    stats: async () => {
      await refreshRemoteStats(d.registry);
      return d.registry.stats();
    },
    hosts: async (ctx) => {
      operatorOnly(ctx, 'lists remote hosts');
      await refreshRemoteStats(d.registry);
      return remoteOf(d).hosts();
    },
    evict: (ctx, module, reason) => {
      operatorOnly(ctx, 'evicts remote hosts');
      if (typeof module !== 'string' || (reason !== undefined && typeof reason !== 'string'))
        throw TesseraError.invalidArgument('evict takes (module, reason?)');
      return audited(d.trail, ctx, 'evict', nameOf(module), `evict ${nameOf(module)}`, () =>
        remoteOf(d).evictHost(
          module,
          reason === undefined ? undefined : truncateText(reason, MAX_REASON_CHARS),
        ),
      );
    },
    credentials: (ctx) => {
      operatorOnly(ctx, 'lists join credentials');
      return remoteOf(d).credentials();
    },
    revokeCredential: (ctx, module) => {
      operatorOnly(ctx, 'revokes join credentials');
      if (typeof module !== 'string')
        throw TesseraError.invalidArgument('revokeCredential takes (module)');
      return audited(
        d.trail,
        ctx,
        'revokeCredential',
        nameOf(module),
        `revoke the join credential of ${nameOf(module)}`,
        () => remoteOf(d).revokeCredential(module),
      );
    },
    load: (ctx, name) =>
      audited(d.trail, ctx, 'load', nameOf(name), `load ${nameOf(name)}`, async () => {
        await d.loader.loadKnown(name);
        return true;
      }),
    unload: (ctx, name) =>
      audited(d.trail, ctx, 'unload', nameOf(name), `unload ${nameOf(name)}`, () =>
        d.supervisor.unload(name),
      ),
    createJoinCredential: (ctx, module, options) => {
      operatorOnly(ctx, 'admits remote hosts');
      if (!d.remote) {
        throw TesseraError.failedPrecondition(
          'remote hosts need the zeromq transport with network.listen (CURVE over tcp)',
        );
      }
      return d.remote.createCredential(module, joinOptionsOf(options));
    },
    callModule: (ctx, module, method, args = []) => {
      operatorOnly(ctx, 'relays calls through the core');
      if (typeof module !== 'string' || typeof method !== 'string' || !Array.isArray(args)) {
        throw TesseraError.invalidArgument('callModule takes (module, method, args[])');
      }
      return d.relay.call(module, method, args);
    },
    approvals: (ctx) => {
      operatorOnly(ctx, 'sees requests waiting for approval');
      return d.capability.approvals();
    },
    approve: (ctx, id, options) => {
      operatorOnly(ctx, 'approves requests');
      const narrowed = options?.methods ? ` (methods ${describeList(options.methods, 8, 64)})` : '';
      return audited(
        d.trail,
        ctx,
        'approve',
        undefined,
        `approve request ${nameOf(id)}${narrowed}`,
        () => d.capability.approve(approvalId(id), options),
      );
    },
    deny: (ctx, id, reason) => {
      operatorOnly(ctx, 'denies requests');
      return audited(d.trail, ctx, 'deny', undefined, `deny request ${nameOf(id)}`, () =>
        d.capability.denyApproval(approvalId(id), reason),
      );
    },
    revoke: (ctx, caller, target, reason) => {
      operatorOnly(ctx, 'revokes grants');
      return audited(
        d.trail,
        ctx,
        'revoke',
        nameOf(target),
        `revoke ${nameOf(caller)} → ${nameOf(target)}`,
        () =>
          d.capability.revokePair(
            grantParty(caller, 'caller'),
            grantParty(target, 'target'),
            revokeReason(reason),
          ),
      );
    },
    policyStatus: (ctx) => {
      operatorOnly(ctx, 'reads the policy status');
      if (!d.policy) throw TesseraError.unavailable('this core has no policy monitor');
      return d.policy.status();
    },
    policyEval: (ctx, input) => {
      operatorOnly(ctx, 'evaluates the policy');
      if (!d.policy) throw TesseraError.unavailable('this core has no policy monitor');
      return d.policy.evaluate(input);
    },
  };
}

function remoteOf(d: CoreSurfaceDeps): RemoteAdmission {
  if (!d.remote)
    throw TesseraError.failedPrecondition(
      'remote hosts need the zeromq transport with network.listen (CURVE over tcp)',
    );
  return d.remote;
}

/** Ask each attached remote host for its resource use (1 s each, in parallel); silence keeps the last. */
async function refreshRemoteStats(registry: ModuleRegistry): Promise<void> {
  await Promise.all(
    [...registry.records.values()]
      .filter((r) => r.remote && r.channel && !r.channel.closed)
      .map(async (r) => {
        try {
          const s = await contractClient<HostControl>(r.channel as RpcPeer, {
            timeoutMs: 1000,
          }).stats();
          if (typeof s?.pid === 'number' && typeof s.rssBytes === 'number') r.remoteStats = s;
        } catch {
          // A slow or gone host shows its last report, or none.
        }
      }),
  );
}

function approvalId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64)
    throw TesseraError.invalidArgument('takes the id of a waiting request (tessera approvals)');
  return id;
}

/** A party of `revoke`: a name, never the core (a module's core channel goes with the module: unload it). */
function grantParty(name: unknown, role: string): string {
  if (typeof name !== 'string' || !isValidName(name))
    throw TesseraError.invalidArgument(
      `revoke takes (caller, target, reason?): the ${role} must be a module name`,
    );
  if (role === 'target' && name === 'core')
    throw TesseraError.failedPrecondition(
      "grants on the core are the module's channel to it, not revocable on their own: unload the module instead",
    );
  return name;
}

function revokeReason(reason: unknown): string {
  if (reason !== undefined && typeof reason !== 'string')
    throw TesseraError.invalidArgument(
      'revoke takes (caller, target, reason?) with reason a string',
    );
  return reason === undefined || reason.trim() === ''
    ? 'revoked by the operator'
    : `revoked by the operator: ${truncateText(reason, MAX_REASON_CHARS)}`;
}
