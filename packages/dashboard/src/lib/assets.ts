import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file the dashboard serves: fixed paths only, read once at start (nothing is looked up from a URL). */
export interface Asset {
  body: Buffer;
  type: string;
}

const JS = 'text/javascript; charset=utf-8';
const PUBLIC = join(__dirname, '../../public');

/** A file of an installed package, found where `require` would look, whatever its `exports` list. */
function packageFile(pkg: string, file: string): string {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const path = join(dir, pkg, file);
    if (existsSync(path)) return path;
  }
  throw new Error(`the dashboard cannot find ${pkg}/${file}: is ${pkg} installed?`);
}

/** The browser's import map: bare names of the vendored ES modules. */
export const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/vendor/preact.mjs',
    'preact/hooks': '/vendor/preact-hooks.mjs',
    htm: '/vendor/htm.mjs',
    cytoscape: '/vendor/cytoscape.mjs',
  },
});

/** The CSP hash of the inline import map: the only inline script the page has. */
export const IMPORT_MAP_HASH = `sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}`;

/** The page and its vendored libraries, straight from node_modules: no bundler. */
export function loadAssets(): Map<string, Asset> {
  const files: Array<[string, string, string]> = [
    ['/app.js', join(PUBLIC, 'app.js'), JS],
    ...[
      'api.js',
      'shared.js',
      'graph.js',
      'modules-page.js',
      'grants-page.js',
      'audit-page.js',
      'approvals-page.js',
      'policy-page.js',
    ].map((f): [string, string, string] => [`/${f}`, join(PUBLIC, f), JS]),
    ['/style.css', join(PUBLIC, 'style.css'), 'text/css; charset=utf-8'],
    ['/vendor/preact.mjs', packageFile('preact', 'dist/preact.mjs'), JS],
    ['/vendor/preact-hooks.mjs', packageFile('preact', 'hooks/dist/hooks.mjs'), JS],
    ['/vendor/htm.mjs', packageFile('htm', 'dist/htm.mjs'), JS],
    ['/vendor/cytoscape.mjs', packageFile('cytoscape', 'dist/cytoscape.esm.min.mjs'), JS],
  ];
  const assets = new Map<string, Asset>();
  for (const [path, file, type] of files) assets.set(path, { body: readFileSync(file), type });
  const template = readFileSync(join(PUBLIC, 'index.html'), 'utf8');
  const slot = /<!-- the import map:[^>]*-->/;
  if (!slot.test(template)) throw new Error('public/index.html has lost its import map slot');
  // Written here, byte for byte what IMPORT_MAP_HASH hashes, whatever a formatter does to the file.
  const page = template.replace(slot, `<script type="importmap">${IMPORT_MAP}</script>`);
  assets.set('/', { body: Buffer.from(page), type: 'text/html; charset=utf-8' });
  return assets;
}
