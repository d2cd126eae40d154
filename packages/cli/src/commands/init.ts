import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { ExitCode } from '../lib/exit-codes';
import { writeStarter } from '../lib/starter/write-starter';

export const init: Command = {
  path: ['init'],
  summary: 'create a new app: one TypeScript module, a policy, tests',
  usage: `usage: tessera init <dir>

Writes a working app into <dir> (new, or empty), outside any monorepo:

  modules/greeter/         one module in TypeScript (its manifest in package.json)
  policies/                authz.rego on the shipped base policy, data.json, a test
  tessera.config.json      a process per module over ipc
  tessera.inprocess.json   every module in one process
  test/app.test.mjs        starts the app both ways; one call allowed, one denied
  README.md, tsconfig.base.json, .gitignore, package.json (npm start, npm test)

Then: cd <dir> && npm install && npm start. Building the policy needs OPA
1.22.2 ('opa' on PATH, or TESSERA_OPA).

Exit codes: 0 written, 2 usage error (bad name, or <dir> is not empty).`,
  async run(args, io) {
    const { positionals } = parseCommandLine(args, { positionals: { names: ['dir'], min: 1 } });
    const written = await writeStarter(positionals[0] as string, io.cwd);
    io.stdout(
      `✓ created ${written.name} in ${written.shown} (${written.files.length} files)\n\n` +
        `next:\n  cd ${written.shown}\n  npm install\n  npm start       # build, then run (Ctrl-C stops)\n  npm test\n`,
    );
    return ExitCode.OK;
  },
};
