import { ResourcePattern, type ResourceConstraints, TesseraError } from '@tessera/protocol';

/** One constrained argument: where it is and what it may be. */
interface ArgumentRule {
  param: string;
  /** Its position in the call's arguments; -1 when the method declares no such resource. */
  index: number;
  patterns: ResourcePattern[];
}

/** Parameter name → argument index of each method's declared resource parameters. */
export type ResourceParams = ReadonlyMap<string, ReadonlyMap<string, number>>;

const quoted = (value: string): string =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

/**
 * Enforces a grant's resource constraints at the door, declaratively: for a
 * constrained method, each constrained argument must be a string matching
 * one of its patterns, else `PERMISSION_DENIED` before the module's code
 * runs. A constraint on a parameter the module does not declare as a
 * resource cannot be checked, so it refuses every call (fail closed).
 * Compiled once per constraints object (a reload replaces the object).
 */
export class ResourceGuard {
  private readonly compiled = new WeakMap<ResourceConstraints, Map<string, ArgumentRule[]>>();
  /** The last constraints checked, most often the next ones too. */
  private last: ResourceConstraints | undefined;
  private lastRules: Map<string, ArgumentRule[]> | undefined;

  constructor(
    private readonly module: string,
    private readonly resources: ResourceParams,
  ) {}

  /** Throws unless `args` of `method` are inside `constraints`. */
  check(constraints: ResourceConstraints, method: string, args: readonly unknown[]): void {
    let rules = constraints === this.last ? this.lastRules : this.compiled.get(constraints);
    if (rules === undefined) this.compiled.set(constraints, (rules = this.compile(constraints)));
    this.last = constraints;
    this.lastRules = rules;
    const forMethod = rules.get(method);
    if (forMethod === undefined) return;
    for (let i = 0; i < forMethod.length; i++)
      this.checkOne(forMethod[i] as ArgumentRule, method, args);
  }

  private checkOne(rule: ArgumentRule, method: string, args: readonly unknown[]): void {
    const where = `${method}.${rule.param}`;
    if (rule.index < 0)
      throw TesseraError.permissionDenied(
        `this grant constrains ${where}, which ${this.module} does not declare as a resource: refused`,
        { constraint: where },
      );
    const value = args[rule.index];
    if (typeof value !== 'string')
      throw TesseraError.permissionDenied(
        `${rule.param} must be a string under this grant's constraint on ${where} (got ${value === null ? 'null' : typeof value})`,
        { constraint: where },
      );
    const patterns = rule.patterns;
    for (let i = 0; i < patterns.length; i++)
      if ((patterns[i] as ResourcePattern).matches(value)) return;
    throw TesseraError.permissionDenied(
      `${rule.param} ${quoted(value)} is outside this grant's constraint on ${where}`,
      { constraint: where },
    );
  }

  private compile(constraints: ResourceConstraints): Map<string, ArgumentRule[]> {
    const out = new Map<string, ArgumentRule[]>();
    for (const [method, params] of Object.entries(constraints)) {
      const declared = this.resources.get(method);
      out.set(
        method,
        Object.entries(params).map(([param, patterns]) => ({
          param,
          index: declared?.get(param) ?? -1,
          patterns: patterns.map((p) => new ResourcePattern(p)),
        })),
      );
    }
    return out;
  }
}
