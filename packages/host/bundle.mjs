// Bundles the module host's process entry into one file, beside the tsc output
// (dist/lib/process/host-main.bundle.js), which `hostMainPath()` prefers.
//
// Why: every module host is a fresh node process, and each file it requires
// costs a resolution (stat, package.json reads, exports maps) and a wrapper,
// checked by the permission model in a sandboxed host. Bundling the host's
// own code and the packages only it uses cuts ~30 files and ~15 ms of CPU
// from each host's start (issue 16: 50 hosts ready in 3 s).
//
// What stays outside, loaded from node_modules as before: every package a
// module, a carrier or another package may also load, so that there is one
// copy of each in the process (one TesseraError class, one tsyringe
// registry, one TRANSPORT_REGISTRY token), and the carriers, loaded on
// demand (a sandboxed host may not load zeromq's addon unless it uses it).
//
// esbuild: a well-kept bundler, fast enough to run in every build; it reads
// tsc's source maps, so the bundle's map leads back to the .ts sources
// (node --enable-source-maps, debuggers).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const { dependencies } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
/** Packages the host alone loads: inside the bundle. */
const BUNDLED = ['@tessera/token-manager', '@tessera/proxy'];

await build({
  entryPoints: [join(here, 'dist/lib/process/host-main.js')],
  outfile: join(here, 'dist/lib/process/host-main.bundle.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: Object.keys(dependencies).filter((d) => !BUNDLED.includes(d)),
  logLevel: 'warning',
});
