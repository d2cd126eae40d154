import type { Command } from '../lib/command';
import { policyBuild } from './policy-build';
import { policyEval } from './policy-eval';
import { policyTest } from './policy-test';

/** Every command of the CLI. A new command is one file here plus one line in this list. */
export const commands: Command[] = [policyBuild, policyTest, policyEval];
