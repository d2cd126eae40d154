import { type CliIo, OperatorSession } from '@tessera/cli';
import { TesseraError, isErrorCode } from '@tessera/protocol';
import { approveAsOperator } from './operator-approval';
import { playDelegationSteps } from './delegation-steps';
import { Script } from './script';
import { playTermsSteps } from './terms-steps';

interface Note {
  id: string;
  title: string;
  body: string;
}
interface Summary {
  total: number;
  bySource: Record<string, number>;
}
type TamperOutcome = { denied: true; code: string; reason: string } | { denied: false };

const quote = (args: unknown[]): string => args.map((a) => JSON.stringify(a)).join(', ');

/** Poll `probe` until `ok` or `ms` pass (audit receives events asynchronously). */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The demo's script, played as the operator through the operator socket:
 * allowed calls succeed, two calls are refused with the reason, and one
 * waits for the operator, who approves it with its code. Returns
 * the number of steps that did not behave as scripted.
 */
export async function playScenario(
  configFile: string,
  io: CliIo,
): Promise<{ steps: number; failures: number }> {
  // Logged in as any `tessera` command is: the socket from run.json, the credential from its 0600 file.
  const session = await OperatorSession.forConfig(configFile, configFile);
  const script = new Script(io);
  const grantOf = async (caller: string, target: string): Promise<string | undefined> => {
    const g = (await session.core.grants()).find((x) => x.caller === caller && x.target === target);
    return g && `${caller}'s grant on ${target}: ${g.methods.join(', ')} (policy: ${g.reason})`;
  };
  const call = <T>(module: string, method: string, args: unknown[] = []) => ({
    label: `operator → ${module}.${method}(${quote(args)})`,
    run: () => session.callModule<T>(module, method, args),
  });
  try {
    io.stdout('\n── scenario: calls made as the operator, checked by the policy ──\n');
    const add = call<Note>('notes', 'add', ['Shopping', 'milk, eggs']);
    const note = await script.allowed(
      add.label,
      add.run,
      (n) => `note ${n.id} "${n.title}"`,
      (n) => (n.title === 'Shopping' ? undefined : 'not the note added'),
    );

    const list = call<Note[]>('notes', 'list');
    await script.allowed(
      list.label,
      list.run,
      (ns) =>
        `${ns.length} note${ns.length === 1 ? '' : 's'}: ${ns.map((n) => n.title).join(', ')}`,
      (ns) =>
        note && ns.some((n) => n.id === note.id) ? undefined : 'the added note is not listed',
    );

    const get = call<Note | undefined>('storage', 'get', [`note:${note?.id ?? 'missing'}`]);
    await script.allowed(
      get.label,
      get.run,
      (n) => `notes stored it there: ${JSON.stringify(n?.body)}`,
      (n) => (note && n?.id === note.id ? undefined : 'storage does not hold the note'),
    );

    const summary = call<Summary>('audit', 'summary');
    await script.allowed(
      summary.label,
      () => until(summary.run, (s) => s.total >= 2),
      (s) =>
        `audit saw ${s.total} events (${Object.entries(s.bySource)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      (s) =>
        s.bySource['notes.noteAdded'] && s.bySource['storage.changed']
          ? undefined
          : 'audit did not see both events',
    );

    const tamper = call<TamperOutcome>('audit', 'tryTamper');
    await script.denied(
      `${tamper.label}   (audit tries storage.set("tampered", true))`,
      async () => {
        const outcome = await tamper.run();
        // audit reports the refusal it met; rethrow it so the script sees a denial.
        if (outcome.denied)
          throw new TesseraError(
            isErrorCode(outcome.code) ? outcome.code : 'INTERNAL',
            outcome.reason,
          );
        return outcome;
      },
      "'set' is not granted to audit on storage",
      () => grantOf('audit', 'storage'),
    );

    const typo = call('storage', 'gte', ['note:1']);
    await script.mistaken(
      `${typo.label}   (a misspelt method)`,
      typo.run,
      "storage has no method 'gte'; did you mean 'get'?",
    );

    // Ask: notes reads audit's summary, which data.tessera.ask makes wait for the operator.
    const activity = call<Summary>('notes', 'activity');
    await script.allowed(
      `${activity.label}   (notes asks for audit: the policy says ask the operator)`,
      async () => {
        const pending = activity.run();
        await approveAsOperator(session, io, pending, 'notes', 'audit', ['summary']);
        return pending;
      },
      (s) => `notes read audit's summary under the approved grant: ${s.total} events seen`,
      (s) => (s.total >= 2 ? undefined : 'audit saw too few events'),
    );

    // Grant terms: a resource constraint and a rate limit, both from data.tessera.
    await playTermsSteps(script, {
      callModule: (module, method, args) => session.callModule(module, method, args),
      grants: () => session.core.grants(),
    });

    // Delegation: notes hands audit `get` on storage out of its own grant.
    await playDelegationSteps(
      script,
      {
        callModule: (module, method, args) => session.callModule(module, method, args),
        grants: () => session.core.grants(),
      },
      note?.id ?? 'missing',
    );
  } finally {
    await session.close();
  }
  const ok = script.steps - script.failures;
  io.stdout(`── scenario done: ${ok}/${script.steps} steps behaved as scripted ──\n\n`);
  return { steps: script.steps, failures: script.failures };
}
