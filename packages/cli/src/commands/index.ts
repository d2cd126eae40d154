import type { Command } from '../lib/command';
import { admit } from './admit';
import { approvals } from './approvals';
import { audit } from './audit';
import { approve } from './approve';
import { call } from './call';
import { credentials, credentialsRevoke } from './credentials';
import { evict } from './evict';
import { dashboard } from './dashboard';
import { deny } from './deny';
import { grants } from './grants';
import { host } from './host';
import { init } from './init';
import { hosts } from './hosts';
import { inspect } from './inspect';
import { ls } from './ls';
import { policyBuild } from './policy-build';
import { policyEval } from './policy-eval';
import { policyTest } from './policy-test';
import { revoke } from './revoke';
import { run } from './run';
import { version } from './version';

/** Every command of the CLI. A new command is one file here plus one line in this list. */
export const commands: Command[] = [
  init,
  run,
  ls,
  call,
  inspect,
  grants,
  revoke,
  approvals,
  approve,
  deny,
  audit,
  dashboard,
  admit,
  host,
  hosts,
  evict,
  credentials,
  credentialsRevoke,
  policyBuild,
  policyTest,
  policyEval,
  version,
];
