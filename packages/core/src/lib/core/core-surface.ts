import { TesseraError } from '@tessera/protocol';
import type { CallContext } from '@tessera/proxy';
import type { ModuleSpec } from '@tessera/sdk';
import type { Core } from './core';
import { OPERATOR } from './core-facts';

interface ModuleRequest {
  to: string;
  methods?: string[];
  /** Logos-style claimed requester. Checked against the channel, never trusted. */
  from?: string;
}

/**
 * The core's callable surface, behind a ModuleProxy like any module. Every
 * method takes the authenticated {@link CallContext} first: the caller comes
 * from the channel and its core token, never from the request.
 */
export function coreSurface(core: Core) {
  return {
    register(ctx: CallContext, info: { address: string; spec: ModuleSpec }) {
      return core.registerHost(ctx.caller, info);
    },
    async requestModule(ctx: CallContext, request: ModuleRequest | string) {
      const req: ModuleRequest = typeof request === 'string' ? { to: request } : request;
      if (typeof req !== 'object' || req === null || typeof req.to !== 'string') {
        throw TesseraError.invalidArgument('requestModule takes {to, methods?}');
      }
      if (req.from !== undefined && req.from !== ctx.caller) {
        throw TesseraError.permissionDenied(
          `requestModule claims to come from '${String(req.from)}' but the channel is authenticated as '${ctx.caller}'`,
        );
      }
      return core.requestModule(ctx.caller, req.to, req.methods ?? []);
    },
    async releaseModule(ctx: CallContext, target: string) {
      return core.capability.release(ctx.caller, target);
    },
    listModules(_ctx: CallContext) {
      return core.listModules();
    },
    listLoaded(_ctx: CallContext) {
      return core.listModules().filter((m) => m.state === 'ready');
    },
    methods(_ctx: CallContext, name: string) {
      return core.describe(name);
    },
    grants(_ctx: CallContext) {
      return core.capability.grants();
    },
    stats(_ctx: CallContext) {
      return core.stats();
    },
    async load(_ctx: CallContext, name: string) {
      await core.loadKnown(name);
      return true;
    },
    async unload(_ctx: CallContext, name: string) {
      return core.unload(name);
    },
    /** A one-time credential for a host on another machine to join as `module`. */
    createJoinCredential(ctx: CallContext, module: string, ttlSeconds?: number) {
      if (ctx.caller !== OPERATOR)
        throw TesseraError.permissionDenied('only the operator admits remote hosts');
      return core.createJoinCredential(
        module,
        typeof ttlSeconds === 'number' ? ttlSeconds * 1000 : undefined,
      );
    },
    /** The operator's call into a module, relayed under the operator's own policy-issued grant. */
    async callModule(ctx: CallContext, module: string, method: string, args: unknown[] = []) {
      if (ctx.caller !== OPERATOR)
        throw TesseraError.permissionDenied('only the operator relays calls through the core');
      if (typeof module !== 'string' || typeof method !== 'string' || !Array.isArray(args)) {
        throw TesseraError.invalidArgument('callModule takes (module, method, args[])');
      }
      return core.operatorCall(module, method, args);
    },
  };
}
