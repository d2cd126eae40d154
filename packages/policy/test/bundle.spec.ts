import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { listPolicySources } from '../src/lib/bundle/build-bundle';
import { extractBundle, readBundle } from '../src/lib/bundle/read-bundle';
import { TarParser, readTar } from '../src/lib/bundle/tar-reader';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, scratch } from './support/bundles';

describe('policy bundles', () => {
  const tmp = scratch();
  let out: string;

  beforeAll(async () => {
    out = await compile(POLICIES, join(tmp.dir, 'build'));
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(() => tmp.cleanup());

  it('builds only policy sources: no tests, no project files', async () => {
    const sources = (await listPolicySources(POLICIES)).map((s) => s.slice(POLICIES.length + 1));
    expect(sources).toContain('authz.rego');
    expect(sources).toContain('data.json');
    expect(
      sources.filter(
        (s) => s.endsWith('_test.rego') || s === 'project.json' || s.startsWith('build/'),
      ),
    ).toEqual([]);
  });

  it('reads opa build archives with the minimal tar reader', async () => {
    const archive = readFileSync(join(out, 'bundle.tar.gz'));
    const paths = readTar(gunzipSync(archive)).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['policy.wasm', 'data.json', '.manifest']));
    const bundle = await extractBundle(archive, 'bundle.tar.gz');
    expect(bundle.wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d])); // "\0asm"
    expect(bundle.data).toMatchObject({ tessera: { ttl: { default_seconds: 3600 } } });
  });

  it('reads the archive the same in any chunking, and from a file', async () => {
    const tar = gunzipSync(readFileSync(join(out, 'bundle.tar.gz')));
    const whole = readTar(tar);
    for (const size of [1, 7, 511, 512, 513, 4096]) {
      const parser = new TarParser();
      for (let at = 0; at < tar.length; at += size) parser.push(tar.subarray(at, at + size));
      expect(parser.end()).toEqual(whole);
    }
    const fromFile = await readBundle(join(out, 'bundle.tar.gz'));
    expect(fromFile.wasm).toEqual(whole.find((e) => e.path === 'policy.wasm')?.content);
  });

  it('rejects a corrupt archive with INVALID_ARGUMENT', async () => {
    const tar = gunzipSync(readFileSync(join(out, 'bundle.tar.gz')));
    tar[10] = (tar[10] ?? 0) ^ 0xff; // break the first header's checksum
    expect(() => readTar(tar)).toThrow(/bad header checksum/);
    await expect(extractBundle(Buffer.from('nope'), 'x.tar.gz')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/is not a gzipped tar/),
    });
    tar[10] = (tar[10] ?? 0) ^ 0xff; // mend it
    const truncated = gzipSync(tar.subarray(0, 600)); // inside the first file
    await expect(extractBundle(truncated, 'x.tar.gz')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/truncated/),
    });
  });

  it('reports a missing bundle as NOT_FOUND and a stray file as INVALID_ARGUMENT', async () => {
    await expect(readBundle(join(tmp.dir, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readBundle(join(out, 'data.json'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
