import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { displayPath } from '../format';
import { UsageError } from '../usage-error';

/**
 * The starter's static files: `templates/starter` of this package, found
 * from `dist/lib/starter` (published) and `src/lib/starter` (sources) alike.
 */
export const STARTER_DIR = join(__dirname, '..', '..', '..', 'templates', 'starter');

/** npm's rules for a package name that is also a folder name: lowercase, no scope, url-safe. */
const APP_NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/;

/** The version of Tessera the new app depends on: this CLI's own. */
function tesseraVersion(): string {
  const pkg = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return pkg.version;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out.sort();
}

/** package.json of the app and of its module: versions pinned to this CLI's. */
function packageFiles(name: string, version: string): Record<string, unknown> {
  const range = `^${version}`;
  return {
    'package.json': {
      name,
      version: '0.1.0',
      private: true,
      description: 'A Tessera app',
      workspaces: ['modules/*'],
      engines: { node: '>=20.12' },
      scripts: {
        build: 'npm run build --workspaces --if-present && tessera policy build',
        start: 'npm run build && tessera run',
        test: 'npm run build && tessera policy test && node --test test/',
        check: 'tessera run --check',
      },
      dependencies: {
        '@tessera/cli': range,
        '@tessera/core': range,
        '@tessera/policy': range,
        '@tessera/sdk': range,
      },
      devDependencies: { '@types/node': '^20.19.0', typescript: '^5.9.0' },
    },
    'modules/greeter/package.json': {
      name: 'greeter',
      version: '0.1.0',
      private: true,
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      files: ['dist'],
      scripts: { build: 'tsc -p tsconfig.json' },
      // The app provides the SDK: one copy for every module, never a stale one of its own.
      peerDependencies: { '@tessera/sdk': range },
      tessera: {
        name: 'greeter',
        provides: { greet: ['hello'], 'greeting-admin': ['setGreeting'] },
      },
    },
  };
}

export interface WrittenStarter {
  name: string;
  dir: string;
  shown: string;
  files: string[];
}

/** Write the starter app into `target` (relative to `cwd`): new or empty only. */
export async function writeStarter(target: string, cwd: string): Promise<WrittenStarter> {
  const dir = resolve(cwd, target);
  const name = basename(dir);
  if (!APP_NAME.test(name)) {
    throw new UsageError(
      `'${name}' cannot be an app name: use lowercase letters, digits, '-', '.' or '_', starting with a letter or digit (it becomes the npm package name)`,
    );
  }
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new UsageError(`${displayPath(dir, cwd)} is not empty: choose a new folder`);
  }
  const version = tesseraVersion();
  const files: string[] = [];
  const write = async (rel: string, content: string): Promise<void> => {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
    files.push(rel);
  };
  for (const source of await listFiles(STARTER_DIR)) {
    const rel = relative(STARTER_DIR, source);
    // npm never packs a file named .gitignore, so the template's is 'gitignore'.
    const out = rel === 'gitignore' ? '.gitignore' : rel;
    await write(out, (await readFile(source, 'utf8')).replaceAll('{{name}}', name));
  }
  for (const [rel, json] of Object.entries(packageFiles(name, version))) {
    await write(rel, JSON.stringify(json, null, 2) + '\n');
  }
  return { name, dir, shown: displayPath(dir, cwd), files };
}
