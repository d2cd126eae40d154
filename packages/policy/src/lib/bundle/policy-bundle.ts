/** The two parts of a compiled policy bundle the engine needs. */
export interface PolicyBundle {
  /** Compiled policy (`/policy.wasm` of an `opa build -t wasm` bundle). */
  wasm: Buffer;
  /** The data document (`/data.json`), already parsed. */
  data: unknown;
  /** Where it was read from, for messages. */
  source: string;
}

/** File names inside a bundle directory or archive. */
export const BUNDLE_WASM = 'policy.wasm';
export const BUNDLE_DATA = 'data.json';
