import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TesseraError } from '@tessera/protocol';
import { type BundleLimits, bundleLimits, formatBytes } from './bundle-limits';
import { TarParser, type TarEntry } from './tar-reader';

/** A limit was hit: reported as is, never as "not a gzipped tar". */
export class BundleLimitError extends Error {}

/**
 * Inflate a gzipped tar as it streams and keep the files `keep` asks for.
 * Refused as soon as the inflated bytes pass `maxBytes` or a file's header
 * declares more than `maxFileBytes`: memory stays bounded by the files kept
 * and the inflater's window, whatever the archive says. Stops reading at
 * the end-of-archive block. Rejects with a {@link BundleLimitError} for a
 * limit, a plain `Error` for a corrupt archive.
 */
export function inflateBundle(
  source: Buffer | Readable,
  where: string,
  keep: (path: string) => boolean,
  limits?: BundleLimits,
): Promise<TarEntry[]> {
  const { maxBytes, maxFileBytes } = bundleLimits(limits);
  const parser = new TarParser({
    maxFileBytes,
    keep,
    tooLarge: (path, size) =>
      new BundleLimitError(
        `${where}:/${path} would inflate to ${formatBytes(size)}, over the ${formatBytes(maxFileBytes)} limit of one file`,
      ),
  });
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    let inflated = 0;
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (!Buffer.isBuffer(source)) source.destroy();
      gunzip.destroy();
      const failed = (e: unknown): void => reject(e instanceof Error ? e : new Error(String(e)));
      if (err !== undefined) return failed(err);
      try {
        resolve(parser.end());
      } catch (e) {
        failed(e);
      }
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      if (inflated > maxBytes) {
        finish(
          new BundleLimitError(
            `${where} inflates past ${formatBytes(maxBytes)} (the bundle limit); stopped there`,
          ),
        );
        return;
      }
      try {
        parser.push(chunk);
      } catch (err) {
        finish(err);
        return;
      }
      if (parser.done) finish();
    });
    gunzip.on('end', () => finish());
    gunzip.on('error', finish);
    if (Buffer.isBuffer(source)) {
      gunzip.end(source);
    } else {
      source.on('error', finish);
      source.pipe(gunzip);
    }
  });
}

/** A {@link BundleLimitError} as the `INVALID_ARGUMENT` the loader reports. */
export function limitRejection(err: BundleLimitError): TesseraError {
  return TesseraError.invalidArgument(`policy bundle rejected: ${err.message}`);
}
