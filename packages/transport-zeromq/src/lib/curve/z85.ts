const ALPHABET =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Decode a Z85 string (ZeroMQ RFC 32); returns `undefined` for anything malformed. */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = DECODE.get(text.charAt(i + j));
      if (digit === undefined) return undefined;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return undefined;
    out.writeUInt32BE(value, o);
  }
  return out;
}

/** Encode bytes (length a multiple of 4) as Z85. */
export function z85Encode(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let i = 0; i + 4 <= buf.length; i += 4) {
    let value = buf.readUInt32BE(i);
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(ALPHABET.charAt(value % 85));
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Decode a 40-character Z85 CURVE key to its 32 bytes, or `undefined`. */
export function decodeCurveKey(key: unknown): Buffer | undefined {
  if (typeof key !== 'string' || key.length !== 40) return undefined;
  return z85Decode(key);
}
