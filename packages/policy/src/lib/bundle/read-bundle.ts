import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TesseraError } from '@tessera/protocol';
import { type BundleLimits, bundleLimits, formatBytes } from './bundle-limits';
import { BundleLimitError, inflateBundle, limitRejection } from './inflate-bundle';
import { BUNDLE_DATA, BUNDLE_WASM, type PolicyBundle } from './policy-bundle';

/** True for paths the reader treats as a gzipped tar bundle. */
export function isBundleArchive(path: string): boolean {
  return path.endsWith('.tar.gz') || path.endsWith('.tgz');
}

/**
 * The data document: empty means `{}`. It must be a JSON object, as OPA's
 * `data` is: a list or a scalar would replace the whole document, so every
 * `data.tessera...` lookup of the policy would be undefined at once.
 */
function parseData(text: Buffer, where: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = text.length === 0 ? {} : JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw TesseraError.invalidArgument(
      `policy bundle rejected: ${where} is not valid JSON (${(err as Error).message})`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw TesseraError.invalidArgument(
      `policy bundle rejected: ${where}: data.json must be a JSON object, got ${jsonType(data)}`,
    );
  }
  return data as Record<string, unknown>;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Extract `policy.wasm` and `data.json` from a `.tar.gz` bundle (in memory
 * or streamed from a file), within `limits`: a gzip bomb is refused once it
 * passes them, with memory bounded by the two files kept.
 */
export async function extractBundle(
  archive: Buffer | Readable,
  source: string,
  limits?: BundleLimits,
): Promise<PolicyBundle> {
  let entries;
  try {
    entries = await inflateBundle(
      archive,
      source,
      (path) => path === BUNDLE_WASM || path === BUNDLE_DATA,
      limits,
    );
  } catch (err) {
    if (err instanceof BundleLimitError) throw limitRejection(err);
    throw TesseraError.invalidArgument(
      `policy bundle rejected: ${source} is not a gzipped tar (${(err as Error).message})`,
    );
  }
  const wasm = entries.find((e) => e.path === BUNDLE_WASM)?.content;
  if (!wasm)
    throw TesseraError.invalidArgument(
      `policy bundle rejected: ${source} has no /${BUNDLE_WASM} (build with -t wasm)`,
    );
  const data = entries.find((e) => e.path === BUNDLE_DATA)?.content;
  return { wasm, data: data ? parseData(data, `${source}:/${BUNDLE_DATA}`) : {}, source };
}

/** Read one file of a bundle directory, refusing it unread when it is over the per-file limit. */
async function readLimited(path: string, maxFileBytes: number): Promise<Buffer | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  if (info.size > maxFileBytes) {
    throw TesseraError.invalidArgument(
      `policy bundle rejected: ${path} is ${formatBytes(info.size)}, over the ${formatBytes(maxFileBytes)} limit of one file`,
    );
  }
  return readFile(path).catch(() => undefined);
}

/**
 * Read a bundle from a directory holding `policy.wasm` (+ optional
 * `data.json`) or from a `.tar.gz` written by `opa build`.
 * Throws `NOT_FOUND` when the path is missing, `INVALID_ARGUMENT` when it
 * is not a usable bundle or is over `limits` (see {@link BundleLimits}).
 */
export async function readBundle(path: string, limits?: BundleLimits): Promise<PolicyBundle> {
  const { maxFileBytes } = bundleLimits(limits);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw TesseraError.notFound(`policy bundle not found: ${path}`, { path });
  if (info.isFile()) {
    if (!isBundleArchive(path)) {
      throw TesseraError.invalidArgument(
        `policy bundle rejected: ${path} is neither a directory nor a .tar.gz`,
      );
    }
    return extractBundle(createReadStream(path), path, limits);
  }
  const wasmPath = join(path, BUNDLE_WASM);
  const wasm = await readLimited(wasmPath, maxFileBytes);
  if (!wasm) throw TesseraError.notFound(`policy bundle not found: ${wasmPath}`, { path });
  const dataPath = join(path, BUNDLE_DATA);
  const data = (await readLimited(dataPath, maxFileBytes)) ?? Buffer.alloc(0);
  return { wasm, data: parseData(data, dataPath), source: path };
}
