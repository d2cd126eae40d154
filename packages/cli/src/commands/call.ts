import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError, isDenial } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { OperatorSession } from '../lib/operator-session';
import { UsageError } from '../lib/usage-error';

/** The argument list: a JSON array (`'["t","b"]'`); absent means none. */
export function parseCallArgs(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `args are not valid JSON (${(err as Error).message}); give a JSON array, e.g. '["title","body"]'`,
    );
  }
  if (!Array.isArray(value))
    throw new UsageError(
      `args must be a JSON array of arguments, e.g. '[${JSON.stringify(value)}]'`,
    );
  return value;
}

export const call: Command = {
  path: ['call'],
  summary: 'call a module method as the operator',
  usage: `usage: tessera call <module> <method> [args] [--config file]

Calls module.method(...args) in the app running for the config (default:
./tessera.config.json) as the 'operator' identity. The core relays the call
under a grant the policy issues to the operator (policies/offer.rego;
data.tessera.operator.allow_calls), so the policy can refuse it like any
other call. Prints the result as JSON.

  args            a JSON array of arguments, e.g. '["title","body"]'
  --config file   the app's config file

Example: tessera call notes add '["Groceries","milk"]'

Exit codes: 0 ok, 1 denied (stderr: denied: <CODE>: <reason>), failed, or no
running app, 2 usage error (including args that are not a JSON array).`,
  async run(argv, io) {
    const { strings, positionals } = parseCommandLine(argv, {
      strings: ['config'],
      positionals: { names: ['module', 'method', 'args'], min: 2 },
    });
    const [module = '', method = '', argsText] = positionals;
    const args = parseCallArgs(argsText);
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    try {
      const result = await session.callModule(module, method, args);
      io.stdout(`${JSON.stringify(result ?? null, null, 2)}\n`);
      return ExitCode.OK;
    } catch (err) {
      io.stderr(`${isDenial(err) ? 'denied' : 'error'}: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    } finally {
      await session.close();
    }
  },
};
