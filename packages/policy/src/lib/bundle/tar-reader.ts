/**
 * A minimal, incremental reader for the POSIX/ustar archives `opa build`
 * writes: regular files only, GNU long names and pax `path` records
 * honoured, everything else (directories, links, global headers) skipped.
 * It is fed inflated bytes as they come and keeps only the files asked
 * for, so memory is bounded by those files, never by the archive. A file
 * whose header declares more than `maxFileBytes` is refused from its
 * header, before a byte of it is inflated. Not a general-purpose tar.
 */
const BLOCK = 512;
/** Long-name and pax records are a few hundred bytes; more is not a policy bundle. */
const MAX_META_BYTES = 64 * 1024;

/** A file taken out of an archive, with its leading `/` removed. */
export interface TarEntry {
  path: string;
  content: Buffer;
}

export interface TarParserOptions {
  /** Files larger than this are refused (their header says so before their content comes). */
  maxFileBytes?: number;
  /** Which files to keep; default all. The first of duplicate paths is kept. */
  keep?: (path: string) => boolean;
  /** Builds the error for a file over `maxFileBytes`. */
  tooLarge?: (path: string, size: number) => Error;
}

/** An entry being read: `remaining` content bytes, then `padding` to the next block. */
interface Body {
  type: 'file' | 'meta' | 'skip';
  path: string;
  remaining: number;
  padding: number;
  chunks: Buffer[] | undefined;
}

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad numeric field ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === octal(header, 148, 8);
}

function paxPath(content: Buffer): string | undefined {
  // Records look like "<len> key=value\n".
  for (const record of content.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

function normalise(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '');
}

/** Feed it an archive's bytes in any chunks; `end()` returns the files kept. Throws on a corrupt archive. */
export class TarParser {
  private header: Buffer[] = [];
  private headerBytes = 0;
  private body: Body | undefined;
  /** Padding bytes left before the next header. */
  private padding = 0;
  private longName: string | undefined;
  private offset = 0;
  private finished = false;
  private readonly entries: TarEntry[] = [];
  private readonly kept = new Set<string>();

  constructor(private readonly options: TarParserOptions = {}) {}

  /** True once the end-of-archive block was read: later bytes are ignored. */
  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.finished) {
      if (this.body) {
        at += this.consume(this.body, chunk, at);
        continue;
      }
      if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - at);
        this.padding -= skip;
        this.offset += skip;
        at += skip;
        continue;
      }
      const take = chunk.subarray(at, at + BLOCK - this.headerBytes);
      this.header.push(take);
      this.headerBytes += take.length;
      at += take.length;
      if (this.headerBytes === BLOCK) {
        const header = Buffer.concat(this.header);
        this.header = [];
        this.headerBytes = 0;
        this.onHeader(header);
        this.offset += BLOCK;
      }
    }
  }

  /** The files kept. Throws when the archive stopped inside a file. */
  end(): TarEntry[] {
    if (this.body) throw new Error('tar: archive is truncated');
    return this.entries;
  }

  private onHeader(header: Buffer): void {
    if (header.every((b) => b === 0)) {
      this.finished = true;
      return;
    }
    if (!checksumOk(header)) throw new Error(`tar: bad header checksum at offset ${this.offset}`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    let body: Body;
    if (type === 'L' || type === 'x') {
      if (size > MAX_META_BYTES)
        throw new Error(`tar: a ${size}-byte name record at offset ${this.offset}`);
      body = { type: 'meta', path: type, remaining: size, padding, chunks: [] };
    } else if (type === '0' || type === '\0' || type === '7') {
      const prefix = field(header, 345, 155);
      const name = field(header, 0, 100);
      const path = normalise(this.longName ?? (prefix ? `${prefix}/${name}` : name));
      this.longName = undefined;
      const max = this.options.maxFileBytes ?? Infinity;
      if (size > max) {
        throw (
          this.options.tooLarge?.(path, size) ??
          new Error(`tar: ${path} is ${size} bytes, more than ${max}`)
        );
      }
      const keep = !this.kept.has(path) && (this.options.keep?.(path) ?? true);
      if (keep) this.kept.add(path);
      body = {
        type: keep ? 'file' : 'skip',
        path,
        remaining: size,
        padding,
        chunks: keep ? [] : undefined,
      };
    } else {
      this.longName = undefined;
      body = { type: 'skip', path: '', remaining: size, padding, chunks: undefined };
    }
    this.body = body;
    if (size === 0) this.complete(body);
  }

  /** Take what `chunk` holds of the current body from `at`; returns the bytes used. */
  private consume(body: Body, chunk: Buffer, at: number): number {
    const take = chunk.subarray(at, at + body.remaining);
    body.chunks?.push(Buffer.from(take)); // a copy: the inflater may reuse its buffers
    body.remaining -= take.length;
    this.offset += take.length;
    if (body.remaining === 0) this.complete(body);
    return take.length;
  }

  private complete(body: Body): void {
    this.body = undefined;
    this.padding = body.padding;
    if (body.type === 'skip' || !body.chunks) return;
    const content = Buffer.concat(body.chunks);
    if (body.type === 'file') this.entries.push({ path: body.path, content });
    else if (body.path === 'L') this.longName = field(content, 0, content.length);
    else this.longName = paxPath(content) ?? this.longName;
  }
}

/** Read every regular file of an (uncompressed) tar archive held in memory. Throws on a corrupt archive. */
export function readTar(archive: Buffer): TarEntry[] {
  const parser = new TarParser();
  parser.push(archive);
  return parser.end();
}
