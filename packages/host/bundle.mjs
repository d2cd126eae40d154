// Bundles the module host's process entry into one file, beside the tsc output
// (dist/lib/process/host-main.bundle.js), which `hostMainPath()` prefers.
//
// Why: every module host is a fresh node process, and each file it requires
// costs a resolution (stat, package.json reads, exports maps) and a wrapper,
// checked by the permission model in a sandboxed host. Bundling the host's
// own code (~20 files) cuts that from each host's start (issue 16: 50
// hosts ready in 3 s).
//
// Every package stays outside, loaded from node_modules as before: there is
// one copy of each in the process (one TesseraError class, one tsyringe
// registry, one TRANSPORT_REGISTRY token), the carriers still load on demand
// (a sandboxed host may not load zeromq's addon unless it uses it), and the
// bundle's source map names only sources this package ships (src/).
//
// esbuild: a well-kept bundler, fast enough to run in every build; it reads
// tsc's source maps, so the bundle's map leads back to the .ts sources
// (node --enable-source-maps, debuggers).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(here, 'dist/lib/process/host-main.js')],
  outfile: join(here, 'dist/lib/process/host-main.bundle.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});
