import { type CliIo, describeError, isDenial } from '@tessera/cli';
import { ErrorCode, hasCode } from '@tessera/protocol';

/**
 * Runs scripted steps, printing each one, and counts the steps that did not
 * behave as scripted (so the scenario doubles as a smoke test).
 */
export class Script {
  private step = 0;
  private misbehaved = 0;

  constructor(private readonly io: CliIo) {}

  /** Steps that did not behave as scripted so far. */
  get failures(): number {
    return this.misbehaved;
  }

  get steps(): number {
    return this.step;
  }

  /** A call the policy allows: prints what it returned, or a failure when it throws or `check` complains. */
  async allowed<T>(
    label: string,
    call: () => Promise<T>,
    show: (value: T) => string,
    check?: (value: T) => string | undefined,
  ): Promise<T | undefined> {
    this.title(label);
    try {
      const value = await call();
      const problem = check?.(value);
      if (problem) return this.fail(`${problem} (got ${JSON.stringify(value)})`);
      this.io.stdout(`   ✓ allowed: ${show(value)}\n`);
      return value;
    } catch (err) {
      return this.fail(`expected to be allowed, got ${describeError(err)}`);
    }
  }

  /**
   * A call the policy must refuse, for the scripted reason (`expected` is
   * part of the message): prints the refusal's code and reason, then
   * `explain()` (e.g. the grant in force).
   */
  async denied(
    label: string,
    call: () => Promise<unknown>,
    expected: string,
    explain?: () => Promise<string | undefined>,
  ): Promise<void> {
    this.title(label);
    try {
      const value = await call();
      this.fail(`expected a denial, got ${JSON.stringify(value)}`);
    } catch (err) {
      if (!isDenial(err) || !err.message.includes(expected)) {
        this.fail(`expected a denial (${expected}), got ${describeError(err)}`);
        return;
      }
      this.io.stdout(`   ✗ denied, as scripted: ${describeError(err)}\n`);
      const why = await explain?.().catch(() => undefined);
      if (why) this.io.stdout(`     ${why}\n`);
    }
  }

  /** A call the target answers `METHOD_NOT_FOUND`: a mistake, told with the nearest name. */
  async mistaken(label: string, call: () => Promise<unknown>, expected: string): Promise<void> {
    this.title(label);
    try {
      const value = await call();
      this.fail(`expected METHOD_NOT_FOUND, got ${JSON.stringify(value)}`);
    } catch (err) {
      if (!hasCode(err, ErrorCode.METHOD_NOT_FOUND) || !(err as Error).message.includes(expected)) {
        this.fail(`expected METHOD_NOT_FOUND (${expected}), got ${describeError(err)}`);
        return;
      }
      this.io.stdout(`   ✗ no such method, as scripted: ${describeError(err)}\n`);
    }
  }

  private title(label: string): void {
    this.step += 1;
    this.io.stdout(`${this.step}. ${label}\n`);
  }

  private fail(message: string): undefined {
    this.misbehaved += 1;
    this.io.stderr(`   ! step ${this.step} did not behave as scripted: ${message}\n`);
    return undefined;
  }
}
