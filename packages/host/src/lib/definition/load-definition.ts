import { createRequire } from 'node:module';
import { TesseraError } from '@tessera/protocol';
import { type ModuleDefinition, isModuleDefinition } from '@tessera/sdk';

/**
 * Require a module's entry file and return its definition: the default
 * export (or `module.exports` itself) made by `defineModule`. When
 * `expectedName` is given the definition must carry that name.
 */
export function loadDefinition(entryPath: string, expectedName?: string): ModuleDefinition {
  let exported: unknown;
  try {
    exported = createRequire(entryPath)(entryPath);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw TesseraError.invalidArgument(`cannot load module entry ${entryPath}: ${why}`, {
      entryPath,
    });
  }
  const candidate = isModuleDefinition(exported) ? exported : defaultOf(exported);
  if (!isModuleDefinition(candidate)) {
    throw TesseraError.invalidArgument(
      `${entryPath} does not export a module definition: write \`export default defineModule({...})\` (from @tessera/sdk)`,
      { entryPath },
    );
  }
  if (expectedName !== undefined && candidate.name !== expectedName) {
    throw TesseraError.invalidArgument(
      `${entryPath} defines module '${candidate.name}', but its manifest names it '${expectedName}'`,
      { entryPath },
    );
  }
  return candidate;
}

function defaultOf(exported: unknown): unknown {
  return typeof exported === 'object' && exported !== null
    ? (exported as { default?: unknown }).default
    : undefined;
}
