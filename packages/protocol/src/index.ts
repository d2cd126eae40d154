/**
 * `@tessera/protocol`: what every Tessera package agrees on. Error codes and
 * the one error class that survives the wire, frames and their msgpackr
 * codec, name rules, the manifest and config validators, typed DI tokens and
 * the {@link Logger} shape. No I/O, no services.
 */

// errors
export { ErrorCode, isErrorCode } from './lib/errors/error-codes';
export {
  TESSERA_ERROR,
  TesseraError,
  hasCode,
  isTesseraError,
  type ErrorData,
} from './lib/errors/tessera-error';
export { fromWireError, toWireError, type WireError } from './lib/errors/wire-error';

// frames and codec
export type { CallFrame, ControlFrame, ControlOp, EventFrame, Frame } from './lib/frames/frame';
export { MAX_SLOT_TOKEN_CHARS, TOKEN_SLOTS, isSlotToken, isTokenSlot } from './lib/frames/frame';
export {
  DEFAULT_MAX_FRAME_BYTES,
  assertEncodable,
  decodeFrame,
  encodeFrame,
} from './lib/codec/codec';

// names
export { closestName } from './lib/manifest/did-you-mean';
export {
  EVENT_SCOPE_PREFIX,
  RESERVED_METHOD_NAMES,
  assertValidName,
  eventScope,
  isDispatchableName,
  isValidName,
} from './lib/names/names';

// grant terms: resource constraints and rate limits
export {
  GRANT_TERM_LIMITS,
  PARAM_NAME_PATTERN,
  PATTERN_WILDCARD,
  ResourcePattern,
  isParamName,
  patternProblem,
  type GrantTerms,
  type RateLimit,
  type RateSpec,
  type ResourceConstraints,
} from './lib/grants/grant-terms';

// dependency injection
export { resolveToken, typedToken, type Resolver, type TypedToken } from './lib/di/typed-token';
export { disposeWith } from './lib/di/dispose-with';

// manifest
export type { ValidatedManifest } from './lib/manifest/manifest-fields';
export {
  SANDBOX_FIELDS,
  type ModuleSandboxJson,
  type SandboxDeclaration,
} from './lib/manifest/sandbox-declaration';
export { validateManifest, type ValidateManifestOptions } from './lib/manifest/validate-manifest';

// config
export {
  AUDIT_FIELDS,
  AUDIT_KINDS,
  CONFIG_FIELDS,
  CONFIG_FILE_NAME,
  DEFAULT_LIMITS,
  DEFAULT_RESTART,
  DENIED_RESULTS,
  LIMITS_FIELDS,
  RATE_FIELDS,
  ISOLATION_MODES,
  POLICY_FIELDS,
  RESTART_FIELDS,
  SANDBOX_MODES,
  DEFAULT_SANDBOX_MODE,
  TRANSPORT_FIELDS,
  TRANSPORT_KINDS,
  DASHBOARD_FIELDS,
  type AppConfig,
  type DashboardConfig,
  type LimitsConfig,
  type SandboxMode,
} from './lib/config/app-config';
export { isRelativeModuleSpec } from './lib/config/module-spec';
export { validateConfig, type ValidateConfigOptions } from './lib/config/validate-config';

// logging
export type { Logger } from './lib/logger/logger';
