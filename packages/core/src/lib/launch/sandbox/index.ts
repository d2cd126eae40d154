export {
  BWRAP_NAMESPACE_FLAGS,
  bwrapArgs,
  systemMounts,
  type BwrapMount,
  type BwrapPlan,
} from './bwrap-args';
export { findBwrap, probeBwrap, type BwrapStatus } from './bwrap-probe';
export { addressOutside, type HostAddressScope } from './host-address';
export { HostDirs, type HostDirsOptions } from './host-dirs';
export { HostSandbox, type HostSandboxOptions } from './host-sandbox';
export { hostMounts } from './host-mounts';
export type { HostPlan, HostPlanRequest, HostSpawn } from './host-plan';
export { nodePermissionFlags, type NodePermissions } from './node-permission-flags';
export {
  codePaths,
  isWithin,
  linksBelow,
  packageRootOf,
  type CodeView,
  type TreePackage,
} from './package-paths';
export { sandboxEnv, type SandboxEnvInput } from './sandbox-env';
export {
  UNCONFINED_WARNING,
  isUnconfined,
  sandboxLayers,
  type SandboxLayers,
} from './sandbox-settings';
