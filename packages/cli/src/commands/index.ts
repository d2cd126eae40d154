import type { Command } from '../lib/command';
import { admit } from './admit';
import { call } from './call';
import { host } from './host';
import { inspect } from './inspect';
import { ls } from './ls';
import { policyBuild } from './policy-build';
import { policyEval } from './policy-eval';
import { policyTest } from './policy-test';
import { run } from './run';
import { version } from './version';

/** Every command of the CLI. A new command is one file here plus one line in this list. */
export const commands: Command[] = [
  run,
  ls,
  call,
  inspect,
  admit,
  host,
  policyBuild,
  policyTest,
  policyEval,
  version,
];
