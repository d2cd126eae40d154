import { loadPolicy, loadPolicySync, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { TesseraError } from '@tessera/protocol';
import type { PolicyBundle } from '../bundle/policy-bundle';

/** Wasm memory above which the instance is rebuilt from the compiled module. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 32 * 1024 * 1024;

/** A compiled `WebAssembly.Module`, opaque here (the es2022 lib has no WebAssembly types). */
type WasmModule = object;
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }
).WebAssembly;

/** What a loaded policy has done, for tests, benches and `engine.stats`. */
export interface PolicyStats {
  evaluations: number;
  /** Instances rebuilt to bound memory. */
  recycles: number;
  memoryBytes: number;
  /** The slowest evaluation so far, in ms. */
  maxEvaluationMs: number;
}

export interface CompiledPolicyOptions {
  entrypoint: string;
  memoryBudgetBytes?: number;
}

/**
 * One loaded policy: the compiled `WebAssembly.Module`, a live instance with
 * the bundle's data set, and the entrypoint id resolved once.
 *
 * opa-wasm's ABI 1.2+ fast path (`opa_eval`) can leave the wasm heap larger
 * after each evaluation (npm-opa-wasm#143: memory grows without bound when
 * data is not reset). The heap is never shrunk by wasm itself, so when the
 * instance's memory passes the budget we drop it and instantiate a fresh one
 * from the already compiled module: a bounded, rare cost (~ms) instead of
 * unbounded growth.
 */
export class CompiledPolicy {
  private instance: LoadedPolicy;
  private entrypointId: number;
  private recycleCount = 0;
  private evaluations = 0;
  private lastMs = 0;
  private maxMs = 0;

  private constructor(
    private readonly module: WasmModule,
    private readonly dataJson: ArrayBuffer,
    instance: LoadedPolicy,
    private readonly options: Required<CompiledPolicyOptions>,
  ) {
    this.instance = instance;
    this.entrypointId = CompiledPolicy.entrypointOf(instance, options.entrypoint);
  }

  /** Compile and instantiate a bundle. Throws `INVALID_ARGUMENT` for a bad wasm or entrypoint. */
  static async create(
    bundle: PolicyBundle,
    options: CompiledPolicyOptions,
  ): Promise<CompiledPolicy> {
    const full = { memoryBudgetBytes: DEFAULT_MEMORY_BUDGET_BYTES, ...options };
    let module: WasmModule;
    try {
      module = await wasm.compile(bundle.wasm);
    } catch (err) {
      throw TesseraError.invalidArgument(
        `policy bundle rejected: ${bundle.source} has an invalid policy.wasm (${describe(err)})`,
      );
    }
    // Data is handed to the instance as JSON bytes, so re-instantiation never re-stringifies it.
    const encoded = new TextEncoder().encode(JSON.stringify(bundle.data ?? {}));
    const dataJson = encoded.buffer.slice(
      encoded.byteOffset,
      encoded.byteOffset + encoded.byteLength,
    ) as ArrayBuffer;
    const instance = await CompiledPolicy.instantiate(module, dataJson, bundle.source);
    return new CompiledPolicy(module, dataJson, instance, full);
  }

  private static async instantiate(
    module: WasmModule,
    data: ArrayBuffer,
    source: string,
  ): Promise<LoadedPolicy> {
    try {
      const policy = await loadPolicy(module);
      policy.setData(data);
      return policy;
    } catch (err) {
      throw TesseraError.invalidArgument(
        `policy bundle rejected: ${source} cannot be instantiated (${describe(err)})`,
      );
    }
  }

  private static entrypointOf(policy: LoadedPolicy, entrypoint: string): number {
    const entrypoints = policy.entrypoints as Record<string, number>;
    const id = entrypoints[entrypoint];
    if (typeof id !== 'number') {
      const known = Object.keys(entrypoints).join(', ') || 'none';
      throw TesseraError.invalidArgument(
        `policy bundle rejected: no entrypoint ${entrypoint} (has: ${known})`,
      );
    }
    return id;
  }

  /**
   * Evaluate and return opa-wasm's raw result set. May throw (engine error).
   * Synchronous: it holds the event loop for as long as the policy runs,
   * which {@link lastEvaluationMs} reports.
   */
  evaluate(input: unknown): unknown {
    this.evaluations++;
    const started = performance.now();
    try {
      return this.instance.evaluate(input, this.entrypointId) as unknown;
    } finally {
      this.lastMs = performance.now() - started;
      this.maxMs = Math.max(this.maxMs, this.lastMs);
      if (this.memoryBytes > this.options.memoryBudgetBytes) this.recycle();
    }
  }

  /** Wall time of the latest {@link evaluate}, in ms. */
  get lastEvaluationMs(): number {
    return this.lastMs;
  }

  /** Bytes of wasm linear memory of the current instance. */
  get memoryBytes(): number {
    return this.instance.mem.buffer.byteLength;
  }

  /** How often the instance was rebuilt to bound memory; for tests and benches. */
  get stats(): PolicyStats {
    return {
      evaluations: this.evaluations,
      recycles: this.recycleCount,
      memoryBytes: this.memoryBytes,
      maxEvaluationMs: this.maxMs,
    };
  }

  private recycle(): void {
    // Synchronous instantiation from an already compiled module is cheap and allowed in Node.
    const fresh = loadPolicySync(this.module);
    fresh.setData(this.dataJson);
    this.instance = fresh;
    this.entrypointId = CompiledPolicy.entrypointOf(fresh, this.options.entrypoint);
    this.recycleCount++;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
