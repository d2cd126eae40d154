import { type CliIo, type OperatorSession, describeError } from '@tessera/cli';

/**
 * Play the operator for a request the policy holds ("ask"): wait until
 * `caller`'s request for `target` is listed (as `tessera approvals` shows
 * it), show that a wrong verification code is refused, then approve it
 * with the code the module logged, narrowed to `methods`. Returns at once
 * when `call` (the call that needs it) ends first: it says why.
 */
export async function approveAsOperator(
  session: OperatorSession,
  io: CliIo,
  call: Promise<unknown>,
  caller: string,
  target: string,
  methods: string[],
): Promise<void> {
  let ended = false;
  call.then(
    () => (ended = true),
    () => (ended = true),
  );
  const end = Date.now() + 5000;
  let request = (await session.core.approvals()).find(
    (a) => a.caller === caller && a.target === target,
  );
  while (!request && !ended && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    request = (await session.core.approvals()).find(
      (a) => a.caller === caller && a.target === target,
    );
  }
  if (ended) return;
  if (!request) throw new Error(`no request of ${caller} for ${target} waited for the operator`);
  const wrong = String((Number(request.code) + 1) % 1_000_000).padStart(6, '0');
  const refused = await session.core.approve(request.id, { code: wrong }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (refused === undefined) throw new Error('a wrong verification code was accepted');
  io.stdout(`   ✗ a wrong code is refused: ${describeError(refused)}\n`);
  io.stdout(
    `   → as the operator: tessera approve ${request.id} --code ${request.code} --methods ${methods.join(',')}\n`,
  );
  await session.core.approve(request.id, { code: request.code, methods });
}
