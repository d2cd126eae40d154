import { TesseraError } from '@tessera/protocol';

/**
 * The OPA version Tessera's policies are built and tested with; also the pin
 * of the repository's `tools/opa.sh` (a test keeps the two equal).
 */
export const PINNED_OPA_VERSION = '1.22.2';

/**
 * The error for an OPA CLI that cannot be run: which version is needed and
 * every way to get it, instead of a bare `spawn opa ENOENT`. `what` says
 * what was tried (`'opa' on PATH`, `TESSERA_OPA=/x/opa`).
 */
export function opaNotFound(what: string, detail?: string): TesseraError {
  const v = PINNED_OPA_VERSION;
  return TesseraError.failedPrecondition(
    [
      `cannot run the OPA CLI (${what}${detail ? `: ${detail}` : ''}). Tessera needs OPA ${v} to build and test policies:`,
      `  - set TESSERA_OPA to the path of an opa ${v} binary, or`,
      `  - put opa ${v} on PATH (https://github.com/open-policy-agent/opa/releases/tag/v${v}), or`,
      `  - with Go installed: go install github.com/open-policy-agent/opa@v${v}`,
    ].join('\n'),
    { opaVersion: v },
  );
}
