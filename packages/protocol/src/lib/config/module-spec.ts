/** An npm package name, optionally scoped (npm's own rules, lower case). */
export const PACKAGE_NAME_PATTERN = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** A module given as a path relative to the config file. */
export function isRelativeModuleSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../');
}

/** True for an npm package name or a relative path: what `modules` may list. */
export function isModuleSpec(spec: string): boolean {
  if (isRelativeModuleSpec(spec)) return spec.length > 2 && !spec.includes('\0');
  return spec.length <= 214 && PACKAGE_NAME_PATTERN.test(spec);
}
