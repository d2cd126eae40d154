import { TesseraError } from '@tessera/protocol';
import type { ModuleProxy } from '@tessera/proxy';
import type { ModuleCaller } from '@tessera/sdk';
import type { GrantInfo, TokenManager } from '@tessera/token-manager';
import type { IncomingCall } from '@tessera/transport';

/** What the core's informModuleToken / revocation calls reach inside a host. */
export interface HostState {
  tokens: TokenManager;
  caller?: ModuleCaller;
  proxy?: ModuleProxy;
}

/**
 * Handles the core's calls on the host's private core channel. These carry
 * no token: the channel itself is the authority (the host dialed the core
 * address it was handed privately, and authenticated with its core token).
 * Nothing here is reachable from another module's connection.
 */
export function hostControlHandler(state: HostState) {
  return (call: IncomingCall): unknown => {
    const a = call.args;
    switch (call.method) {
      case '$inform': {
        const [token, info] = a as [string, GrantInfo];
        state.tokens.addGrant(token, info);
        return true;
      }
      case '$informCaller': {
        const [target, token, methods, expiresAt] = a as [string, string, string[], number];
        state.tokens.setOutbound(target, token, methods, expiresAt);
        return true;
      }
      case '$revoke': {
        const [ids] = a as [string[]];
        let n = 0;
        for (const id of ids) if (state.tokens.revoke(id)) n++;
        return n;
      }
      case '$narrow': {
        const [id, methods] = a as [string, string[]];
        return state.tokens.narrow(id, methods);
      }
      case '$narrowCaller': {
        const [target, methods] = a as [string, string[]];
        const current = state.tokens.outbound(target);
        if (current) state.tokens.setOutbound(target, current.token, methods, current.expiresAt);
        return current !== undefined;
      }
      case '$drop': {
        const [target] = a as [string];
        if (state.caller) state.caller.forget(target);
        else state.tokens.dropOutbound(target);
        return true;
      }
      case '$describe':
        if (!state.proxy) throw TesseraError.unavailable('module not started');
        return state.proxy.describeUnchecked();
      default:
        throw TesseraError.methodNotFound(`host has no control method '${call.method}'`);
    }
  };
}
