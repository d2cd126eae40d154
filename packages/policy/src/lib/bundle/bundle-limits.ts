/**
 * How far a policy bundle may inflate. An `opa build` bundle is a few
 * hundred KiB; the limits only stop a hostile or broken one (a gzip bomb
 * inflates 2 MB to 2 GiB) before it costs the core its memory.
 */
export interface BundleLimits {
  /** Bytes the whole archive may inflate to (every file and tar block). Default 256 MiB. */
  maxBytes?: number;
  /** Bytes of one file, in an archive or a bundle directory. Default 64 MiB. */
  maxFileBytes?: number;
}

export const DEFAULT_BUNDLE_LIMITS: Readonly<Required<BundleLimits>> = {
  maxBytes: 256 * 1024 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
};

/** The limits with defaults filled in. */
export function bundleLimits(limits: BundleLimits = {}): Required<BundleLimits> {
  return { ...DEFAULT_BUNDLE_LIMITS, ...limits };
}

/** `268435456` → `256 MiB`, for messages. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  const kib = bytes / 1024;
  return kib >= 1 ? `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB` : `${bytes} bytes`;
}
