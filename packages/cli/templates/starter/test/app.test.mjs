// Starts the app in-process and over ipc (a process per module) and calls
// greeter as the operator, the way `tessera call` does: one call the policy
// allows, one it refuses. Run with `npm test` (builds first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperatorSession } from '@tessera/cli';
import { startApp } from '@tessera/core';
import { silentPolicyLogger } from '@tessera/policy';

for (const [how, config] of [
  ['in-process', 'tessera.inprocess.json'],
  ['over ipc, a process per module', 'tessera.config.json'],
]) {
  test(`greeter answers ${how}`, async () => {
    const app = await startApp(config, { policyLogger: silentPolicyLogger });
    try {
      const operator = await OperatorSession.forConfig(config, config);
      try {
        assert.equal(await operator.callModule('greeter', 'hello', ['Ada']), 'Hello, Ada!');
        await assert.rejects(operator.callModule('greeter', 'setGreeting', ['Hi']), {
          code: 'PERMISSION_DENIED',
        });
      } finally {
        await operator.close();
      }
    } finally {
      await app.close();
    }
  });
}
