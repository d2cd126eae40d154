import { disposeWith, type Logger } from '@tessera/protocol';
import type { DependencyContainer } from 'tsyringe';
import { AuditedPolicyEngine } from './audit/audited-policy-engine';
import type { AuditSink } from './audit/audit-sink';
import { JsonLinesAuditSink } from './audit/json-lines-audit-sink';
import type { RotationOptions } from './audit/size-rotation';
import { DenyAllPolicyEngine } from './deny-all-engine';
import { OpaPolicyEngine, type OpaPolicyEngineOptions } from './opa/opa-policy-engine';
import { POLICY_ENGINE, type PolicyEngine } from './policy-engine';
import { stderrPolicyLogger } from './policy-logger';

export interface PolicyRegistration {
  /** The engine to use. Takes precedence over `bundle`. */
  engine?: PolicyEngine;
  /**
   * Path of a compiled bundle (directory with policy.wasm + data.json, or a
   * .tar.gz): an {@link OpaPolicyEngine} is created. A missing or broken
   * bundle denies everything with the reason, and logs the error.
   * Neither `engine` nor `bundle`: {@link DenyAllPolicyEngine}; nothing is allowed.
   */
  bundle?: string;
  /** Hot-reload the bundle when it changes on disk. */
  watch?: boolean;
  /**
   * Write every decision to a sink, or to a JSON-lines file at `path`,
   * rotated by size (`maxBytes`, default 64 MiB; `keep` rotated files, default 5).
   */
  audit?: AuditSink | AuditFile;
  /** Extra options of the OPA engine (entrypoint, debounce, memory budget). */
  opa?: Omit<OpaPolicyEngineOptions, 'bundle' | 'watch' | 'logger'>;
  logger?: Logger;
}

/** A rotated JSON-lines decision log (see {@link JsonLinesAuditSink}). */
export interface AuditFile extends RotationOptions {
  path: string;
}

function isSink(audit: AuditSink | AuditFile): audit is AuditSink {
  return typeof (audit as AuditSink).write === 'function';
}

const rotationOf = ({ maxBytes, keep }: AuditFile): RotationOptions => ({
  ...(maxBytes !== undefined ? { maxBytes } : {}),
  ...(keep !== undefined ? { keep } : {}),
});

/** Register the app's policy engine under {@link POLICY_ENGINE}. Without one, every request is denied. */
export function registerPolicy(
  container: DependencyContainer,
  options: PolicyRegistration = {},
): PolicyEngine {
  const logger = options.logger ?? stderrPolicyLogger;
  let engine: PolicyEngine =
    options.engine ??
    (options.bundle !== undefined
      ? new OpaPolicyEngine({
          ...options.opa,
          bundle: options.bundle,
          watch: options.watch ?? false,
          logger,
        })
      : new DenyAllPolicyEngine());
  if (options.audit) {
    const owned = !isSink(options.audit);
    const sink = isSink(options.audit)
      ? options.audit
      : new JsonLinesAuditSink(options.audit.path, { ...rotationOf(options.audit), logger });
    engine = new AuditedPolicyEngine(engine, sink, { closeSink: owned });
  }
  container.register(POLICY_ENGINE, { useValue: engine });
  // What this call created (an engine from `bundle`, an audit wrapper) the
  // container closes on dispose; an `engine` passed in stays its owner's.
  if (engine !== options.engine) {
    const created = engine;
    disposeWith(container, () => created.close());
  }
  return engine;
}
