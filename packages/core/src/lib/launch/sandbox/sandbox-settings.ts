import { DEFAULT_SANDBOX_MODE, type SandboxMode, TesseraError } from '@tessera/protocol';

/**
 * The layers that confine a process host. Apps choose a {@link SandboxMode};
 * embedders and tests may name the layers directly (e.g. bwrap alone, to
 * show what that layer holds by itself).
 */
export interface SandboxLayers {
  /** Node's permission model (`--experimental-permission` and its allow lists). */
  node: boolean;
  /** bubblewrap namespaces: off, when available (Linux), or required. */
  bwrap: 'off' | 'auto' | 'required';
}

/** What `sandbox` in tessera.config.json (or `TesseraOptions.sandbox`) means in layers. */
export function sandboxLayers(
  mode: SandboxMode | SandboxLayers = DEFAULT_SANDBOX_MODE,
): SandboxLayers {
  if (typeof mode === 'object') return { ...mode };
  switch (mode) {
    case 'auto':
      return { node: true, bwrap: 'auto' };
    case 'node':
      return { node: true, bwrap: 'off' };
    case 'bwrap':
      return { node: true, bwrap: 'required' };
    case 'none':
      return { node: false, bwrap: 'off' };
    default:
      throw TesseraError.invalidArgument(`sandbox ${JSON.stringify(mode)} is unknown`, {
        field: 'sandbox',
      });
  }
}

/** No layer at all: the host runs as before sandboxing existed (full environment). */
export function isUnconfined(layers: SandboxLayers): boolean {
  return !layers.node && layers.bwrap === 'off';
}

/** Said once per launcher when an app turns the sandbox off. */
export const UNCONFINED_WARNING =
  '[tessera] sandbox "none": module hosts run unconfined, with the core\'s environment; ' +
  "a module can read and write whatever the core can, including other modules' data and the " +
  "operator's files, and signal other processes. See docs/security.md.";
