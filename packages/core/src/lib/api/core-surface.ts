import type { CapabilityModule } from '@tessera/capability';
import type { ModuleRequest } from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
import type { CallContext } from '@tessera/proxy';
import type { TokenIssuer } from '../grants/token-issuer';
import type { Loader } from '../lifecycle/loader';
import type { Supervisor } from '../lifecycle/supervisor';
import type { OperatorRelay } from '../operator/operator-relay';
import { OPERATOR } from '../registry/core-facts';
import type { ModuleRegistry } from '../registry/module-registry';
import { joinOptionsOf } from '../remote/join-request';
import type { RemoteAdmission } from '../remote/remote-admission';
import type { CoreApi } from './core-api';

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
}

function operatorOnly(ctx: CallContext, what: string): void {
  if (ctx.caller !== OPERATOR) throw TesseraError.permissionDenied(`only the operator ${what}`);
}

/**
 * The core's {@link CoreApi}, served behind a ModuleProxy like any module.
 * The caller comes from the channel and its core token, never the request.
 */
export function coreSurface(d: CoreSurfaceDeps): Served<CoreApi> {
  return {
    register: (ctx, info) => d.supervisor.register(ctx.caller, info),
    requestModule: async (ctx, request) => {
      const req: ModuleRequest = typeof request === 'string' ? { to: request } : request;
      if (typeof req !== 'object' || req === null || typeof req.to !== 'string') {
        throw TesseraError.invalidArgument('requestModule takes {to, methods?}');
      }
      if (req.from !== undefined && req.from !== ctx.caller) {
        throw TesseraError.permissionDenied(
          `requestModule claims to come from '${String(req.from)}' but the channel is authenticated as '${ctx.caller}'`,
        );
      }
      return d.issuer.route(ctx.caller, req.to, req.methods ?? []);
    },
    releaseModule: (ctx, target) => d.capability.release(ctx.caller, target),
    listModules: () => d.registry.listModules(),
    listLoaded: () => d.registry.listModules().filter((m) => m.state === 'ready'),
    methods: (_ctx, name) => d.registry.describe(name),
    grants: () => d.capability.grants(),
    stats: () => d.registry.stats(),
    load: async (_ctx, name) => {
      await d.loader.loadKnown(name);
      return true;
    },
    unload: (_ctx, name) => d.supervisor.unload(name),
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
  };
}
