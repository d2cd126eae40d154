import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OpaPolicyEngine, silentPolicyLogger } from '../src';
import { readBundle } from '../src/lib/bundle/read-bundle';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, scratch } from './support/bundles';

const MiB = 1024 * 1024;

/** A ustar header for a regular file of `size` bytes. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/**
 * A real gzip bomb, the way one is built: gzip members concatenated (every
 * inflater reads them as one stream), each MiB of zeros compressing to ~1 KB.
 * `files` of `mib` MiB each: about 1 KB on disk per MiB inflated.
 */
function bomb(files: { name: string; mib: number }[]): Buffer {
  const zeros = gzipSync(Buffer.alloc(MiB), { level: 9 });
  const parts: Buffer[] = [];
  for (const { name, mib } of files) {
    parts.push(gzipSync(tarHeader(name, mib * MiB)));
    for (let i = 0; i < mib; i++) parts.push(zeros);
  }
  parts.push(gzipSync(Buffer.alloc(1024))); // end of archive
  return Buffer.concat(parts);
}

/** Run `work` and return its result with the peak RSS growth seen meanwhile (sampled every 5 ms). */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; growthMiB: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMiB: (peak - base) / MiB };
  } finally {
    clearInterval(sampler);
  }
}

describe('a gzip bomb for a policy bundle', () => {
  const tmp = scratch('tessera-bomb-');
  afterAll(() => tmp.cleanup());

  it('is refused from the header of a 2 GiB policy.wasm, before inflating it', async () => {
    const path = join(tmp.dir, 'one-file-bomb.tar.gz');
    const archive = bomb([{ name: 'policy.wasm', mib: 2048 }]);
    expect(archive.length).toBeLessThan(3 * MiB); // 2 MB -> 2 GiB, as in issue 11
    writeFileSync(path, archive);
    const { result, growthMiB } = await peakRss(() => readBundle(path).catch((e: unknown) => e));
    expect(result).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `policy bundle rejected: ${path}:/policy.wasm would inflate to 2048 MiB, over the 64 MiB limit of one file`,
    });
    expect(growthMiB).toBeLessThan(64); // bounded memory: judged on the header, never inflated
  });

  it('is refused once it inflates past 256 MiB in all, however small each file, with bounded memory', async () => {
    const path = join(tmp.dir, 'many-files-bomb.tar.gz');
    // 64 files of 32 MiB (each under the per-file limit), 2 GiB in all.
    writeFileSync(path, bomb(Array.from({ length: 64 }, (_, i) => ({ name: `f${i}`, mib: 32 }))));
    const { result, growthMiB } = await peakRss(() => readBundle(path).catch((e: unknown) => e));
    expect(result).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `policy bundle rejected: ${path} inflates past 256 MiB (the bundle limit); stopped there`,
    });
    expect(growthMiB).toBeLessThan(128); // all in memory it would be 2 GiB
  });

  it(
    'honours configured limits, for a bundle directory too',
    async () => {
      const path = join(tmp.dir, 'small.tar.gz');
      writeFileSync(path, bomb([{ name: 'data.json', mib: 3 }]));
      await expect(readBundle(path, { maxFileBytes: 2 * MiB })).rejects.toMatchObject({
        message: expect.stringMatching(/data\.json would inflate to 3 MiB, over the 2 MiB limit/),
      });
      await expect(readBundle(path, { maxBytes: MiB })).rejects.toMatchObject({
        message: expect.stringMatching(/inflates past 1 MiB \(the bundle limit\)/),
      });
      const dir = await compile(POLICIES, join(tmp.dir, 'build'));
      await expect(readBundle(dir, { maxFileBytes: 1024 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /policy\.wasm is \d+(\.\d)? KiB, over the 1 KiB limit of one file/,
        ),
      });
    },
    OPA_INSTALL_TIMEOUT_MS,
  );

  it(
    'leaves the engine denying with the reason, and a good bundle still loads under the default limits',
    async () => {
      const path = join(tmp.dir, 'engine-bomb.tar.gz');
      writeFileSync(path, bomb([{ name: 'policy.wasm', mib: 512 }]));
      const { engine, outcome } = await OpaPolicyEngine.open({
        bundle: path,
        logger: silentPolicyLogger,
      });
      expect(outcome.ok).toBe(false);
      const decision = await engine.decide({} as never);
      expect(decision.reason).toMatch(/over the 64 MiB limit of one file/);
      await engine.close();
      const good = await OpaPolicyEngine.open({
        bundle: join(await compile(POLICIES, join(tmp.dir, 'good')), 'bundle.tar.gz'),
        logger: silentPolicyLogger,
      });
      expect(good.outcome.ok).toBe(true);
      await good.engine.close();
    },
    OPA_INSTALL_TIMEOUT_MS,
  );
});
