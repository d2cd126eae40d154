import type { PolicyMonitor } from '../api/policy-monitor';
import type { CapabilityModule } from '@tessera/capability';
import { hostControl } from '@tessera/host';
import type { ModuleProxy } from '@tessera/proxy';
import type { TokenManager } from '@tessera/token-manager';
import { DEFAULT_LIMITS, type LimitsConfig } from '@tessera/protocol';
import type { Transport } from '@tessera/transport';
import { coreSurface } from '../api/core-surface';
import { DenialAggregator, SecurityTrail, deniedCall, wireTrail } from '../audit';
import { CoreEndpoint, coreProxy } from '../endpoint/core-endpoint';
import { withCoreLimits } from '../grants/core-limits';
import type { GrantRouter } from '../grants/grant-router';
import { TokenIssuer } from '../grants/token-issuer';
import type { HostLauncher } from '../launch/host-launcher';
import type { CoreEvents, RestartPolicy } from '../lifecycle/core-events';
import { Loader } from '../lifecycle/loader';
import { Supervisor } from '../lifecycle/supervisor';
import { forwardOperatorEvents } from '../operator/operator-events';
import { OperatorRelay } from '../operator/operator-relay';
import { OPERATOR } from '../registry/core-facts';
import type { ModuleRegistry } from '../registry/module-registry';
import type { KeyRing } from '../remote/key-ring';
import { RemoteAdmission } from '../remote/remote-admission';

export interface CoreOptions {
  transport: Transport;
  /** The core's own grants: modules' core tokens and the operator's. */
  tokens: TokenManager;
  launcher: HostLauncher;
  registry: ModuleRegistry;
  /** Built before the core, delivering through `router`. */
  capability: CapabilityModule;
  router: GrantRouter;
  /** How long to wait for a host to register; default 20 s. */
  readyTimeoutMs?: number;
  /** Address of the core endpoint; default: a fresh one. */
  address?: string;
  /** Default: no restarts. */
  restart?: RestartPolicy;
  /** Limits the core's door enforces whatever the policy says; default {@link DEFAULT_LIMITS}. */
  limits?: LimitsConfig;
  /** Who each admitted identity key (channel handshake or CURVE) stands for; grants bind to these keys. */
  keyRing?: KeyRing;
  /**
   * CURVE mode (zeromq over tcp): the keys the core admits, the core's own
   * public key, and where `tessera admit` resolves module packages to pin
   * their facts (default: the process's working directory).
   */
  remote?: { keyRing: KeyRing; publicKey: string; advertise?: string; appDir?: string };
  /** The security trail every source records to; default: one in memory only. */
  trail?: SecurityTrail;
  /** How long door refusals are folded into one `call.denied` line; default 1000 ms. */
  denialWindowMs?: number;
  /** The policy in force, as `policyStatus`/`policyEval` show it to the operator. */
  policy?: PolicyMonitor;
}

/** The core's roles, wired to each other once, with no cycle. */
export interface CoreParts {
  issuer: TokenIssuer;
  supervisor: Supervisor;
  loader: Loader;
  relay: OperatorRelay;
  remote: RemoteAdmission | undefined;
  proxy: ModuleProxy;
  endpoint: CoreEndpoint;
  /** Stops emitting grant changes and ask steps as the core's events. */
  stopOperatorEvents: () => void;
  trail: SecurityTrail;
  /** Where door refusals are folded before they reach the trail. */
  denials: DenialAggregator;
  /** Stops feeding the trail from the capability module and lifecycle. */
  stopTrail: () => void;
}

/**
 * Build the core's roles: the token issuer, supervisor and loader, the
 * operator relay, remote admission, the core's dispatch table and the
 * endpoint that serves it through the door. `address` is read lazily.
 */
export function assembleCore(o: CoreOptions, events: CoreEvents, address: () => string): CoreParts {
  const { registry, capability, transport, tokens } = o;
  const trail = o.trail ?? new SecurityTrail();
  const denials = new DenialAggregator(trail, o.denialWindowMs);
  const keyRing = o.keyRing ?? o.remote?.keyRing;
  const issuer = new TokenIssuer(registry, capability, keyRing);
  const supervisor = new Supervisor({
    registry,
    capability,
    issuer,
    launcher: o.launcher,
    transport,
    coreTokens: tokens,
    events,
    coreAddress: address,
    keyRing,
    restart: o.restart,
    readyTimeoutMs: o.readyTimeoutMs,
  });
  const loader = new Loader(registry, supervisor);
  const relay = new OperatorRelay((t) => issuer.route(OPERATOR, t), transport);
  // Every grant on the core carries the app's requestModule limit, enforced by the core's door.
  o.router.addLocal('core', withCoreLimits(hostControl({ tokens }), o.limits ?? DEFAULT_LIMITS));
  o.router.addLocal(OPERATOR, relay.sink);
  const remote = o.remote
    ? new RemoteAdmission({
        core: {
          address,
          attach: (m, h, from) => supervisor.attach(m, h, from),
          unload: (name, reason) => supervisor.unload(name, reason),
          registry,
        },
        keys: o.remote.keyRing,
        corePublicKey: o.remote.publicKey,
        advertise: o.remote.advertise,
        appDir: o.remote.appDir ?? process.cwd(),
        audit: (e) => trail.record(e),
      })
    : undefined;
  const surface = coreSurface({
    ...{ registry, supervisor, loader, issuer, capability, relay, remote },
    ...{ trail, denials },
    ...(o.policy ? { policy: o.policy } : {}),
  });
  const proxy = coreProxy(surface, tokens);
  const stopTrail = wireTrail(trail, { capability, events, proxy });
  const stopOperatorEvents = forwardOperatorEvents(capability, proxy);
  const endpoint = new CoreEndpoint(transport, {
    proxy,
    tokens,
    bootstrap: remote ? (call, peer) => remote.bootstrap(call, peer) : undefined,
    onBound: (caller, session) => supervisor.bindChannel(caller, session.peer),
    onClosed: (caller, session) => supervisor.channelClosed(caller, session.peer),
    onDenied: (denial) => denials.add('core', deniedCall(denial)),
  });
  // A key leaving the ring (revoked, replaced, expired) closes the sessions it authenticated.
  keyRing?.onRevoke((key) => void endpoint.closeSessionsOf(key));
  return {
    ...{ issuer, supervisor, loader, relay, remote, proxy, endpoint, stopOperatorEvents },
    ...{ trail, denials, stopTrail },
  };
}
