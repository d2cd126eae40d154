/**
 * A minimal reader for the POSIX/ustar archives `opa build` writes: regular
 * files only, GNU long names and pax `path` records honoured, everything else
 * (directories, links, global headers) skipped. Enough for policy bundles;
 * not a general-purpose tar implementation.
 */
const BLOCK = 512;

/** A file taken out of an archive, with its leading `/` removed. */
export interface TarEntry {
  path: string;
  content: Buffer;
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

/** Read every regular file of an (uncompressed) tar archive. Throws on a corrupt archive. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw new Error(`tar: bad header checksum at offset ${offset}`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new Error('tar: archive is truncated');
    const content = archive.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = field(content, 0, content.length);
    } else if (type === 'x') {
      longName = paxPath(content) ?? longName;
    } else if (type === '0' || type === '\0' || type === '7') {
      const prefix = field(header, 345, 155);
      const name = field(header, 0, 100);
      const path = longName ?? (prefix ? `${prefix}/${name}` : name);
      entries.push({ path: normalise(path), content: Buffer.from(content) });
      longName = undefined;
    } else {
      longName = undefined;
    }
  }
  return entries;
}
