import { TesseraError, assertValidName, validateManifest } from '@tessera/protocol';
import type { SessionIdentity } from '@tessera/proxy';
import type { IncomingCall } from '@tessera/transport';
import { generateKeyPair } from '@tessera/transport-zeromq';
import type { RunningHost } from '../launch/host-launcher';
import type { ModuleManifest } from '../registry/module-manifest';
import { encodeJoinCredential } from './join-credential';
import type { KeyRing } from './key-ring';

const JOIN_PREFIX = 'join:';
const DEFAULT_JOIN_TTL_MS = 10 * 60_000;

/**
 * Admits hosts on other machines. A join credential carries a one-time key
 * pair the core admitted as `join:<module>`; the host uses it once to
 * register its own public key (its secret never leaves it), then connects
 * with that key and attaches its module. Both calls are authenticated by
 * CURVE and ZAP before any byte reaches here; nothing else is answered
 * without a token.
 */
/** What admission needs of the core: its address, and the supervisor's attach. */
export interface AdmissionCore {
  address(): string;
  attach(manifest: ModuleManifest, host: RunningHost): Promise<string>;
}

export class RemoteAdmission {
  constructor(
    private readonly core: AdmissionCore,
    private readonly keys: KeyRing,
    private readonly corePublicKey: string,
    private readonly advertise?: string,
  ) {}

  createCredential(module: string, ttlMs = DEFAULT_JOIN_TTL_MS): string {
    assertValidName(module, 'module name');
    const pair = generateKeyPair();
    const expiresAt = Date.now() + ttlMs;
    this.keys.admit(pair.publicKey, JOIN_PREFIX + module, { expiresAt });
    let core = this.core.address();
    if (this.advertise) core = core.replace(/^tcp:\/\/[^:]+:/, `tcp://${this.advertise}:`);
    return encodeJoinCredential({
      v: 1,
      core,
      coreKey: this.corePublicKey,
      module,
      publicKey: pair.publicKey,
      secretKey: pair.secretKey,
      expiresAt,
    });
  }

  /** The door's bootstrap step: `join` and `attach`, authenticated by the CURVE key alone. */
  bootstrap(call: IncomingCall, peer: SessionIdentity): { value: unknown } | undefined {
    const { caller: identity, key } = peer;
    try {
      if (call.method === 'join') return { value: this.join(identity, key, call.args[0]) };
      if (call.method === 'attach') return { value: this.attach(identity, key, call.args[0]) };
    } catch (err) {
      return { value: Promise.reject(err) };
    }
    if (identity?.startsWith(JOIN_PREFIX)) {
      return {
        value: Promise.reject(TesseraError.unauthenticated('a join key may only call join')),
      };
    }
    return undefined;
  }

  private join(
    identity: string | undefined,
    key: string | undefined,
    arg: unknown,
  ): { module: string } {
    if (!identity?.startsWith(JOIN_PREFIX) || !key)
      throw TesseraError.unauthenticated('join needs a join credential');
    const publicKey = (arg as { publicKey?: unknown } | undefined)?.publicKey;
    if (typeof publicKey !== 'string' || publicKey.length !== 40) {
      throw TesseraError.invalidArgument(
        "join takes {publicKey}: the host's 40-character Z85 CURVE public key",
      );
    }
    const module = identity.slice(JOIN_PREFIX.length);
    this.keys.revoke(key); // one time: the credential is spent
    this.keys.admit(publicKey, module, { remote: true });
    return { module };
  }

  private async attach(
    identity: string | undefined,
    key: string | undefined,
    arg: unknown,
  ): Promise<{ coreToken: string }> {
    if (!identity || !key || identity.startsWith(JOIN_PREFIX) || !this.keys.isRemote(key)) {
      throw TesseraError.unauthenticated('attach needs a host key admitted by join');
    }
    const pkg = (arg as { packageJson?: unknown } | undefined)?.packageJson as
      Record<string, unknown> | undefined;
    if (typeof pkg !== 'object' || pkg === null || typeof pkg['name'] !== 'string') {
      throw TesseraError.invalidArgument(
        "attach takes {packageJson}: the module package's package.json",
      );
    }
    const manifest = validateManifest(pkg, { packageName: pkg['name'] });
    if (manifest.name !== identity) {
      throw TesseraError.permissionDenied(
        `this host was admitted for module '${identity}', not '${manifest.name}'`,
      );
    }
    const coreToken = await this.core.attach(manifest, { stop: async () => undefined });
    return { coreToken };
  }
}
