#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, ExitCode, runApp } from '@tessera/cli';
import { playScenario } from './scenario';

const USAGE = `usage: node apps/demo/dist/main.js [--config file] [--exit]   (or: npm start -- [options])

Starts the demo app (storage, notes, audit) like 'tessera run', plays a short
scripted scenario as the operator, then keeps serving until Ctrl-C.

  --config file   the app config (default: apps/demo/tessera.config.json);
                  apps/demo/tessera.zeromq.json and tessera.inprocess.json
                  switch the transport or the isolation
  --exit          stop after the scenario: exit 0 when every step behaved
                  as scripted, 1 otherwise

Exit codes: 0 ok, 1 a module or a scenario step failed, 2 usage or config error.`;

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
};

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; exit?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        exit: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`demo: ${(err as Error).message}\n\n${USAGE}\n`);
    return ExitCode.USAGE;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return ExitCode.OK;
  }
  return runApp({
    config: values.config ?? join(__dirname, '../tessera.config.json'),
    io,
    afterStart: async (app) => {
      if (!app.operatorAddress) throw new Error('the demo needs the operator socket');
      const { failures } = await playScenario(app.configFile, io);
      if (values.exit) return failures ? ExitCode.FAILURE : ExitCode.OK;
      io.stdout(
        `serving until Ctrl-C; in another terminal try: npx tessera inspect --config ${app.configFile.startsWith(`${io.cwd}/`) ? app.configFile.slice(io.cwd.length + 1) : app.configFile}\n`,
      );
      return undefined;
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
