#!/usr/bin/env node
// The `tessera` bin: runs the built CLI (dist/main.js). It is committed, so
// npm links it at install time even in a fresh clone of the Tessera
// repository, where nothing is built yet; then it says what to run instead
// of npm's "could not determine executable to run".
'use strict';
const { existsSync } = require('node:fs');
const { join, relative } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (existsSync(main)) {
  require(main);
} else {
  const pkg = join(__dirname, '..');
  process.stderr.write(
    `tessera: the CLI is not built yet (no ${relative(process.cwd(), main) || main}).\n` +
      `Build it first, then run the command again:\n` +
      `  npm run build          (at the root of the Tessera repository)\n` +
      `  npx nx run cli:build   (only the CLI and what it needs)\n` +
      `(@tessera/cli from the npm registry ships built; this is a source checkout at ${pkg}.)\n`,
  );
  process.exitCode = 1;
}
