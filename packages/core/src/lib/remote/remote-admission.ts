import { TesseraError, assertValidName, validateManifest } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';
import type { SessionIdentity } from '@tessera/proxy';
import type { IncomingCall } from '@tessera/transport';
import type { HostResourceStats } from '@tessera/host';
import { generateKeyPair } from '@tessera/transport-zeromq';
import type { SecurityEventInput } from '../audit/security-event';
import type { RunningHost } from '../launch/host-launcher';
import { RESERVED_MODULE_NAMES } from '../registry/core-facts';
import { factsOf, type ModuleManifest } from '../registry/module-manifest';
import type { ModuleRegistry } from '../registry/module-registry';
import { encodeJoinCredential } from './join-credential';
import type { Admission, KeyRing } from './key-ring';
import type { JoinCredentialOptions } from './join-request';
import { factsMismatch, resolvePinnedFacts } from './pinned-facts';
import { keyFingerprint } from './refused-keys';

/** One row of `tessera hosts`. */
export interface RemoteHostListing {
  module: string;
  /** SHA-256 of the host's public key, first 16 hex digits. */
  fingerprint: string;
  /** Attaches the core has accepted for this key. */
  epoch: number;
  /** The module's state when attached; `away` when admitted but not attached now. */
  state: string;
  address?: string;
  uptimeMs?: number;
  /** What the host reports of its own resource use (informational). */
  stats?: HostResourceStats;
}

/** One row of `tessera credentials`. */
export interface PendingCredential {
  module: string;
  fingerprint: string;
  expiresAt: number;
}

const JOIN_PREFIX = 'join:';
/** The identity a replaced or evicted host's key connects as: it may only hear that it was fenced. */
export const FENCED_PREFIX = 'fenced:';
const DEFAULT_JOIN_TTL_MS = 10 * 60_000;
const MAX_JOIN_TTL_MS = 7 * 24 * 3600_000;
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** What admission needs of the core. */
export interface AdmissionCore {
  address(): string;
  /** The supervisor's attach: record → core token → wait for `register`. */
  attach(
    manifest: ModuleManifest,
    host: RunningHost,
    from: { key?: string; instance?: string },
  ): Promise<{ coreToken: string; dropGrants: boolean }>;
  /** Unload a module (a remote host being replaced): revokes its grants and its keys. */
  unload(name: string, reason: string): Promise<unknown>;
  /** Who holds which name: loaded records and the app's known modules. */
  registry: Pick<ModuleRegistry, 'get' | 'known'>;
}

export interface RemoteAdmissionOptions {
  core: AdmissionCore;
  keys: KeyRing;
  corePublicKey: string;
  /** Host name to put in credentials when the core binds 0.0.0.0. */
  advertise?: string;
  /** Where module packages are resolved from to pin their facts (the app's directory). */
  appDir: string;
  /** The security trail: credentials minted, spent and refused, hosts admitted and refused. */
  audit?: (event: SecurityEventInput) => void;
}

/**
 * Admits hosts on other machines. `createCredential` pins the module's
 * facts (from a manifest the core read, never from the host) and admits a
 * one-time key pair as `join:<module>`; the host spends it once with
 * `join` to register its own public key (its secret never leaves it), then
 * connects with that key and `attach`es its package.json, which must say
 * what was pinned. Policy only ever sees the pinned facts, marked
 * `remote: true`. One live key per identity: reserved names, the app's own
 * modules and identities already held are refused unless the operator
 * explicitly replaces a remote one.
 */
export class RemoteAdmission {
  constructor(private readonly o: RemoteAdmissionOptions) {}

  /** A one-time join credential for `spec` (a module package's npm name, or the module name with `packageJson`). */
  async createCredential(spec: string, options: JoinCredentialOptions = {}): Promise<string> {
    if (typeof spec !== 'string' || spec === '')
      throw TesseraError.invalidArgument('admit needs a module package name');
    const ttlMs = options.ttlMs ?? DEFAULT_JOIN_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_JOIN_TTL_MS)
      throw TesseraError.invalidArgument(
        'a join credential lives more than 0 s and at most 7 days',
      );
    const facts = await resolvePinnedFacts(spec, this.o.appDir, options.packageJson);
    const module = facts.name;
    assertValidName(module, 'module name');
    this.assertAdmissible(module, options.replace === true);
    if (options.replace) await this.evict(module);
    this.assertAdmissible(module, false); // again: the awaits above let others in
    const pair = generateKeyPair();
    const expiresAt = Date.now() + ttlMs;
    this.o.keys.admit(pair.publicKey, JOIN_PREFIX + module, { kind: 'join', expiresAt, facts });
    this.o.audit?.({
      kind: 'join.minted',
      outcome: 'success',
      subject: 'operator',
      target: module,
      reason: `a one-time join credential for ${module}, good until ${new Date(expiresAt).toISOString()}`,
      expiresAt,
    });
    let core = this.o.core.address();
    if (this.o.advertise) core = core.replace(/^tcp:\/\/[^:]+:/, `tcp://${this.o.advertise}:`);
    return encodeJoinCredential({
      v: 1,
      core,
      coreKey: this.o.corePublicKey,
      module,
      publicKey: pair.publicKey,
      secretKey: pair.secretKey,
      expiresAt,
      facts,
    });
  }

  /** The door's bootstrap step: `join` and `attach`, authenticated by the CURVE key alone. */
  bootstrap(call: IncomingCall, peer: SessionIdentity): { value: unknown } | undefined {
    const { caller: identity, key } = peer;
    const who = identity?.startsWith(JOIN_PREFIX)
      ? identity.slice(JOIN_PREFIX.length)
      : identity?.startsWith(FENCED_PREFIX)
        ? identity.slice(FENCED_PREFIX.length)
        : identity;
    if (identity?.startsWith(FENCED_PREFIX)) {
      const retired = key ? this.o.keys.retired(key) : undefined;
      const why = retired
        ? `${retired.reason} at ${new Date(retired.at).toISOString()}`
        : 'its key was revoked';
      this.record('host.refused', 'denied', who, `fenced host tried to ${call.method}: ${why}`);
      return {
        value: Promise.reject(
          TesseraError.failedPrecondition(
            `this host of '${who}' was fenced: ${why}. Another host holds the module now; this process must stop`,
            { fenced: true },
          ),
        ),
      };
    }
    try {
      if (call.method === 'join') {
        const joined = this.join(identity, key, call.args[0]);
        this.record(
          'join.spent',
          'success',
          joined.module,
          'join credential spent: the host key is admitted',
        );
        return { value: joined };
      }
      if (call.method === 'attach') {
        const attached = this.attach(identity, key, call.args[0]);
        attached.then(
          () =>
            this.record(
              'host.admitted',
              'success',
              who,
              'remote host attached with its pinned facts',
            ),
          (err: Error) => this.record('host.refused', 'denied', who, err.message),
        );
        return { value: attached };
      }
    } catch (err) {
      const refused = call.method === 'join' ? 'join.refused' : 'host.refused';
      this.record(refused, 'denied', who, (err as Error).message);
      return { value: Promise.reject(err) };
    }
    if (identity?.startsWith(JOIN_PREFIX)) {
      return {
        value: Promise.reject(TesseraError.unauthenticated('a join key may only call join')),
      };
    }
    return undefined;
  }

  private record(
    kind: SecurityEventInput['kind'],
    outcome: SecurityEventInput['outcome'],
    subject: string | undefined,
    reason: string,
  ): void {
    this.o.audit?.({ kind, outcome, ...(subject ? { subject } : {}), target: 'core', reason });
  }

  /** Refuse names no remote host may take; `replace` lets an existing remote identity go. */
  private assertAdmissible(module: string, replace: boolean): void {
    if (RESERVED_MODULE_NAMES.has(module))
      throw TesseraError.permissionDenied(
        `'${module}' is a reserved name: no host can be admitted as it`,
      );
    const { registry } = this.o.core;
    const record = registry.get(module);
    const known = registry.known.get(module);
    if (
      (record && !record.remote) ||
      (known && (known.entryPath || known.definition || known.packageName))
    )
      throw TesseraError.permissionDenied(
        `'${module}' is one of this app's own modules${record ? ', loaded on this core' : ''}: a remote host cannot take its identity`,
      );
    if (replace) return;
    const pending = this.o.keys.keyOf(JOIN_PREFIX + module);
    if (pending)
      throw TesseraError.failedPrecondition(
        `a join credential for '${module}' is still unspent: to revoke it and mint a new one, admit with replace (tessera admit … --replace)`,
      );
    if (this.o.keys.keyOf(module) || record)
      throw TesseraError.failedPrecondition(
        `'${module}' already has an admitted remote host: to hand its identity to a new host, admit with replace (tessera admit … --replace), which revokes the old key and closes its connections`,
      );
  }

  /** Remote hosts: every admitted remote key, attached or not, with what the core knows of it. */
  hosts(): RemoteHostListing[] {
    return this.o.keys
      .persistent()
      .filter((a) => a.kind === 'remote')
      .map((a) => {
        const record = this.o.core.registry.get(a.identity);
        const attached = record?.remote === true && record.remoteKey === a.publicKey;
        return {
          module: a.identity,
          fingerprint: keyFingerprint(a.publicKey),
          epoch: a.epoch ?? 0,
          state: attached ? record.state : 'away',
          ...(attached && record.address ? { address: record.address } : {}),
          ...(attached && record.readyAt !== undefined
            ? { uptimeMs: Date.now() - record.readyAt }
            : {}),
          ...(attached && record.remoteStats ? { stats: record.remoteStats } : {}),
        };
      })
      .sort((x, y) => x.module.localeCompare(y.module));
  }

  /** Join credentials minted and not yet spent (nor expired): module, key fingerprint, expiry. */
  credentials(): PendingCredential[] {
    return this.o.keys
      .persistent()
      .filter((a) => a.kind === 'join')
      .map((a) => ({
        module: a.identity.slice(JOIN_PREFIX.length),
        fingerprint: keyFingerprint(a.publicKey),
        expiresAt: a.expiresAt ?? 0,
      }))
      .sort((x, y) => x.module.localeCompare(y.module));
  }

  /** Revoke `module`'s unspent credential; false when it has none. */
  revokeCredential(module: string): boolean {
    assertValidName(module, 'module name');
    if (!this.o.keys.keyOf(JOIN_PREFIX + module)) return false;
    this.o.keys.revokeIdentity(JOIN_PREFIX + module, 'credential revoked by the operator');
    this.record('join.refused', 'success', module, 'the operator revoked an unspent credential');
    return true;
  }

  /**
   * Evict a remote host (operator): its key is revoked and fenced, its
   * sessions close, the module is unloaded (its grants revoked everywhere).
   * Its process hears it was evicted at its next attach, and exits.
   */
  async evictHost(module: string, reason?: string): Promise<{ attached: boolean }> {
    assertValidName(module, 'module name');
    const record = this.o.core.registry.get(module);
    if (!this.o.keys.keyOf(module) && !record?.remote)
      throw TesseraError.notFound(`'${module}' has no admitted remote host (tessera hosts)`);
    const why = `evicted by the operator${reason ? `: ${reason}` : ''}`;
    this.o.keys.revokeIdentity(module, why, { fence: true });
    const attached = record?.remote === true;
    if (attached) await this.o.core.unload(module, why).catch(() => undefined);
    this.record('host.refused', 'success', module, why);
    return { attached };
  }

  /** Replace: the old host's record, key and pending credential go; its sessions close with its key. */
  private async evict(module: string): Promise<void> {
    this.o.keys.revokeIdentity(JOIN_PREFIX + module, 'credential replaced by a new admission');
    // Fenced first: a stale process connecting while the unload runs hears why.
    this.o.keys.revokeIdentity(
      module,
      'replaced by a newly admitted host (tessera admit --replace)',
      { fence: true },
    );
    if (this.o.core.registry.get(module)?.remote)
      await this.o.core.unload(module, 'replaced by a newly admitted host').catch(() => undefined);
  }

  private join(
    identity: string | undefined,
    key: string | undefined,
    arg: unknown,
  ): { module: string } {
    if (!identity?.startsWith(JOIN_PREFIX) || !key)
      throw TesseraError.unauthenticated('join needs a join credential');
    const publicKey = (arg as { publicKey?: unknown } | undefined)?.publicKey;
    if (typeof publicKey !== 'string' || !Z85_KEY.test(publicKey)) {
      throw TesseraError.invalidArgument(
        "join takes {publicKey}: the host's 40-character Z85 CURVE public key",
      );
    }
    // Spent here, once, whatever follows: a second join with it finds nothing.
    const spent = this.o.keys.spend(key);
    if (!spent?.facts)
      throw TesseraError.unauthenticated(
        'this join credential is spent or expired: ask the operator for a new one (tessera admit)',
      );
    const module = spent.identity.slice(JOIN_PREFIX.length);
    if (publicKey === key || this.o.keys.lookup(publicKey))
      throw TesseraError.permissionDenied(
        'that public key is already admitted: generate a new key pair',
      );
    this.assertAdmissible(module, false);
    this.o.keys.admit(publicKey, module, { kind: 'remote', facts: spent.facts });
    return { module };
  }

  private async attach(
    identity: string | undefined,
    key: string | undefined,
    arg: unknown,
  ): Promise<{ coreToken: string; dropGrants: boolean; epoch: number }> {
    const admission: Admission | undefined = key ? this.o.keys.lookup(key) : undefined;
    if (
      !identity ||
      admission?.kind !== 'remote' ||
      admission.identity !== identity ||
      !admission.facts
    )
      throw TesseraError.unauthenticated(
        'attach needs a host key admitted by join (revoked or replaced keys are refused)',
      );
    const pkg = (arg as { packageJson?: unknown } | undefined)?.packageJson as
      Record<string, unknown> | undefined;
    if (typeof pkg !== 'object' || pkg === null || typeof pkg['name'] !== 'string') {
      throw TesseraError.invalidArgument(
        "attach takes {packageJson}: the module package's package.json",
      );
    }
    const offered = validateManifest(pkg, { packageName: pkg['name'] });
    if (offered.name !== identity) {
      throw TesseraError.permissionDenied(
        `this host was admitted for module '${identity}', not '${offered.name}'`,
      );
    }
    const mismatch = factsMismatch(admission.facts, factsOf(offered));
    if (mismatch)
      throw TesseraError.permissionDenied(
        `the package.json of module '${identity}' does not match the facts pinned when it was admitted (${mismatch}): ` +
          `run the package version the operator admitted, or have it re-admitted (tessera admit … --replace)`,
      );
    // Fencing: a process re-attaching with an epoch older than the key's latest attach was
    // replaced by another process holding the same key (a copy of its identity file). A new
    // process (no epoch) always wins; the old one hears it is stale and stops.
    const last = (arg as { epoch?: unknown }).epoch;
    if (typeof last === 'number' && admission.epoch !== undefined && last < admission.epoch)
      throw TesseraError.failedPrecondition(
        `this host of '${identity}' was fenced: another process with its key attached after it (epoch ${admission.epoch}, this one ${last}); this process must stop`,
        { fenced: true },
      );
    // Which process of the host this is: only ever used to tell callers whether it restarted.
    const instance = (arg as { instance?: unknown }).instance;
    const attached = await this.o.core.attach(
      pinnedManifest(offered, admission.facts),
      { stop: async () => undefined },
      {
        key,
        ...(typeof instance === 'string' && instance.length <= 64 ? { instance } : {}),
      },
    );
    // Counted only once attached: a refused attempt (a dependency not loaded yet) is no epoch.
    const epoch = this.o.keys.lookup(key as string) ? this.o.keys.nextEpoch(key as string) : 0;
    return { ...attached, epoch };
  }
}

/** What the core records for an attached remote module: the pinned facts, never the host's. */
function pinnedManifest(offered: ModuleManifest, pinned: ModuleFacts): ModuleManifest {
  return {
    name: pinned.name,
    ...(offered.version !== undefined ? { version: offered.version } : {}),
    dependencies: [...(offered.dependencies ?? [])],
    events: [...(offered.events ?? [])],
    provides: Object.fromEntries(Object.entries(pinned.provides).map(([k, v]) => [k, [...v]])),
    requires: [...pinned.requires],
    remote: true,
  };
}
