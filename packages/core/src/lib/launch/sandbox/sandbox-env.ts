/** Harmless variables every host gets from the core when set: they change formatting, not authority. */
const PASSED_THROUGH = ['NODE_ENV', 'TZ', 'LANG', 'LC_ALL'];
/** Windows cannot start Node (crypto, sockets) without these. */
const WINDOWS_NEEDS = ['SystemRoot', 'windir'];

export interface SandboxEnvInput {
  /** The core's environment. */
  core: NodeJS.ProcessEnv;
  /** Variable names the module's manifest declares (`tessera.sandbox.env`). */
  declared: readonly string[];
  /** HOME: the module's data dir, so libraries that cache under ~ stay inside it. */
  home: string;
  /** TMPDIR: the host's private socket directory. */
  tmp: string;
  /** PATH is passed only to a module that may spawn processes. */
  childProcess: boolean;
}

/**
 * The whole environment of a sandboxed host: nothing of the core's beyond a
 * few locale and mode variables, PATH when child processes are allowed, and
 * what the manifest declares. Secrets the core holds (cloud keys, tokens,
 * `NODE_OPTIONS`) never reach a module that did not ask for them by name.
 */
export function sandboxEnv(input: SandboxEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const names = [
    ...PASSED_THROUGH,
    ...(process.platform === 'win32' ? WINDOWS_NEEDS : []),
    ...(input.childProcess ? ['PATH'] : []),
    ...input.declared,
  ];
  for (const name of names) {
    const value = input.core[name];
    if (value !== undefined) env[name] = value;
  }
  env['HOME'] = input.home;
  env['TMPDIR'] = input.tmp;
  return env;
}
