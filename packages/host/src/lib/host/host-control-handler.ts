import { TesseraError } from '@tessera/protocol';
import type { TokenManager } from '@tessera/token-manager';
import type { CallHandler } from '@tessera/transport';
import type { ModuleCaller } from '../caller/module-caller';
import {
  HOST_CONTROL_METHODS,
  type HostControl,
  type HostResourceStats,
} from '../contracts/host-control';
import { contractHandler } from '../contracts/contract-client';

/** What the core's control calls reach inside a host. */
export interface HostState {
  tokens: TokenManager;
  caller?: ModuleCaller;
  /** The token the host shows on its core channel, once the core replaced the one it started with. */
  coreToken?: string;
}

/** The host's side of {@link HostControl}, over its own TokenManager and caller. */
export function hostControl(state: HostState): HostControl {
  return {
    grant(token, info) {
      state.tokens.addGrant(token, info); // refused if minted for another incarnation of this module
      return true;
    },
    revoke(grantIds) {
      let n = 0;
      for (const id of grantIds) if (state.tokens.revoke(id)) n++;
      return n;
    },
    narrow(grantId, methods, terms) {
      return state.tokens.narrow(grantId, methods, terms ?? undefined);
    },
    narrowOutbound(target, methods) {
      const current = state.tokens.outbound(target);
      if (current) state.tokens.setOutbound(target, current.token, methods, current.expiresAt);
      state.caller?.narrowed(target, methods); // subscriptions the new scope lacks end, and say so
      return current !== undefined;
    },
    dropOutbound(target) {
      if (state.caller) state.caller.forget(target);
      else state.tokens.dropOutbound(target);
      return true;
    },
    coreToken(token) {
      if (typeof token !== 'string' || token.length === 0) return false;
      state.coreToken = token;
      return true;
    },
    awaitingApproval(notice) {
      state.caller?.awaitingApproval(notice);
      return state.caller !== undefined;
    },
    stats: resourceSampler(),
    delegated(route) {
      if (!state.caller)
        throw TesseraError.failedPrecondition(`${state.tokens.owner} makes no calls`);
      state.caller.delegated(route);
      return true;
    },
  };
}

/**
 * Serves the core's calls on the host's private core channel, from the
 * {@link HostControl} dispatch table only. Nothing here is reachable from
 * another module's connection: those are served by the door.
 */
export function hostControlHandler(state: HostState): CallHandler {
  return contractHandler(hostControl(state), HOST_CONTROL_METHODS);
}

/** CPU % since the previous sample (or since the process started, the first time), and memory now. */
function resourceSampler(): () => HostResourceStats {
  let last = { at: performance.now(), cpu: process.cpuUsage() };
  return () => {
    const now = { at: performance.now(), cpu: process.cpuUsage() };
    const usedUs = now.cpu.user - last.cpu.user + (now.cpu.system - last.cpu.system);
    const wallMs = Math.max(1, now.at - last.at);
    last = now;
    const memory = process.memoryUsage();
    return {
      pid: process.pid,
      cpuPercent: Math.round((usedUs / 1000 / wallMs) * 1000) / 10,
      cpuTimeMs: Math.round((now.cpu.user + now.cpu.system) / 1000),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    };
  };
}
