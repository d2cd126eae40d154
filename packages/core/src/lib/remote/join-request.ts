import { TesseraError } from '@tessera/protocol';

/** How `tessera admit` mints a credential. */
export interface JoinCredentialOptions {
  /** Default 10 minutes, at most 7 days. */
  ttlMs?: number;
  /** Pin the facts of this package.json (the operator's copy) instead of resolving the package. */
  packageJson?: unknown;
  /** Revoke the identity's current key or credential (closing its sessions) and admit a new host. */
  replace?: boolean;
}

/** `createJoinCredential`'s options as they cross the wire (CLI → core). */
export interface JoinRequest {
  /** Default 600 (10 minutes). */
  ttlSeconds?: number;
  /** The module's package.json, to pin its facts when the core cannot resolve the package. */
  packageJson?: unknown;
  /** Revoke the identity's current key or credential and close its sessions first. */
  replace?: boolean;
}

/** Check a {@link JoinRequest} (or a bare ttl in seconds, as older CLIs send); throws `INVALID_ARGUMENT`. */
export function joinOptionsOf(request: unknown): JoinCredentialOptions {
  if (request === undefined || request === null) return {};
  if (typeof request === 'number') return { ttlMs: request * 1000 };
  if (typeof request !== 'object' || Array.isArray(request))
    throw TesseraError.invalidArgument(
      'createJoinCredential takes (module, {ttlSeconds?, packageJson?, replace?})',
    );
  const r = request as Record<string, unknown>;
  if (r['ttlSeconds'] !== undefined && typeof r['ttlSeconds'] !== 'number')
    throw TesseraError.invalidArgument('ttlSeconds must be a number');
  if (r['replace'] !== undefined && typeof r['replace'] !== 'boolean')
    throw TesseraError.invalidArgument('replace must be a boolean');
  return {
    ...(typeof r['ttlSeconds'] === 'number' ? { ttlMs: r['ttlSeconds'] * 1000 } : {}),
    ...(r['packageJson'] !== undefined ? { packageJson: r['packageJson'] } : {}),
    ...(r['replace'] === true ? { replace: true } : {}),
  };
}
