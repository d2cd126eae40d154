import type { CapabilityModule } from '@tessera/capability';
import { hostControl } from '@tessera/host';
import type { ModuleProxy } from '@tessera/proxy';
import type { TokenManager } from '@tessera/token-manager';
import type { Transport } from '@tessera/transport';
import { coreSurface } from '../api/core-surface';
import { CoreEndpoint, coreProxy } from '../endpoint/core-endpoint';
import type { GrantRouter } from '../grants/grant-router';
import { TokenIssuer } from '../grants/token-issuer';
import type { HostLauncher } from '../launch/host-launcher';
import type { CoreEvents, RestartPolicy } from '../lifecycle/core-events';
import { Loader } from '../lifecycle/loader';
import { Supervisor } from '../lifecycle/supervisor';
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
  /** Who each admitted identity key (channel handshake or CURVE) stands for; grants bind to these keys. */
  keyRing?: KeyRing;
  /**
   * CURVE mode (zeromq over tcp): the keys the core admits, the core's own
   * public key, and where `tessera admit` resolves module packages to pin
   * their facts (default: the process's working directory).
   */
  remote?: { keyRing: KeyRing; publicKey: string; advertise?: string; appDir?: string };
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
}

/**
 * Build the core's roles: the token issuer, supervisor and loader, the
 * operator relay, remote admission, the core's dispatch table and the
 * endpoint that serves it through the door. `address` is read lazily.
 */
export function assembleCore(o: CoreOptions, events: CoreEvents, address: () => string): CoreParts {
  const { registry, capability, transport, tokens } = o;
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
  o.router.addLocal('core', hostControl({ tokens }));
  o.router.addLocal(OPERATOR, relay.sink);
  const remote = o.remote
    ? new RemoteAdmission({
        core: {
          address,
          attach: (m, h) => supervisor.attach(m, h),
          unload: (name, reason) => supervisor.unload(name, reason),
          registry,
        },
        keys: o.remote.keyRing,
        corePublicKey: o.remote.publicKey,
        advertise: o.remote.advertise,
        appDir: o.remote.appDir ?? process.cwd(),
      })
    : undefined;
  const surface = coreSurface({ registry, supervisor, loader, issuer, capability, relay, remote });
  const proxy = coreProxy(surface, tokens);
  const endpoint = new CoreEndpoint(transport, {
    proxy,
    tokens,
    bootstrap: remote ? (call, peer) => remote.bootstrap(call, peer) : undefined,
    onBound: (caller, session) => supervisor.bindChannel(caller, session.peer),
    onClosed: (caller, session) => supervisor.channelClosed(caller, session.peer),
  });
  // A key leaving the ring (revoked, replaced, expired) closes the sessions it authenticated.
  keyRing?.onRevoke((key) => void endpoint.closeSessionsOf(key));
  return { issuer, supervisor, loader, relay, remote, proxy, endpoint };
}
