import { basename, dirname, resolve } from 'node:path';
import { type AppConfig, ErrorCode, TesseraError } from '@tessera/protocol';
import { OpaPolicyEngine, type PolicyDecision, silentPolicyLogger } from '@tessera/policy';
import { loadDefinition } from '@tessera/host';
import { discoverModules } from '../discovery';
import { CORE_FACTS } from '../registry/core-facts';
import { factsOf } from '../registry/module-manifest';
import { loadConfig } from './start-app';

/** What `tessera run --check` found: the app would start as far as config, manifests and policy go. */
export interface AppCheck {
  config: AppConfig;
  configFile: string;
  /** The modules in load order, with their package and the policy's answer for their core channel. */
  modules: { name: string; packageName: string; core: PolicyDecision }[];
  /** The policy bundle, resolved. */
  bundle: string;
}

/**
 * Check an app without starting it: the config, every module's package and
 * manifest (and, for in-process isolation, that its code loads), the policy
 * bundle (loaded and smoke-evaluated), and that the policy lets every
 * module open its channel to the core. Throws the first problem as a
 * TesseraError naming the file and field. Module code is never run for
 * process isolation: it would run outside its sandbox.
 */
export async function checkApp(configFile: string): Promise<AppCheck> {
  const file = resolve(configFile);
  const dir = dirname(file);
  const config = await loadConfig(file);
  const found = await discoverModules(config, { cwd: dir, file: basename(file) });
  if (config.isolation === 'in-process') {
    for (const m of found) loadDefinition(m.entryPath, m.manifest.name);
  }
  const bundle = resolve(dir, config.policy.bundle);
  const { engine, outcome } = await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger });
  try {
    if (!outcome.ok) {
      throw new TesseraError(
        ErrorCode.FAILED_PRECONDITION,
        `policy bundle ${bundle} could not be loaded (${outcome.error?.message ?? 'unknown error'}); build it with: npx tessera policy build`,
        { field: 'policy.bundle' },
      );
    }
    const modules: AppCheck['modules'] = [];
    for (const m of found) {
      const core = await engine.decide({
        subject: factsOf(m.manifest),
        target: CORE_FACTS,
        methods: [],
        context: { time: new Date().toISOString(), purpose: 'request' },
      });
      if (core.allow !== true || !core.methods.includes('register')) {
        throw new TesseraError(
          ErrorCode.FAILED_PRECONDITION,
          `the policy does not let module ${m.manifest.name} register with the core, so it could not start: ${core.reason}`,
          { field: 'policy.bundle', module: m.manifest.name },
        );
      }
      modules.push({ name: m.manifest.name, packageName: m.packageName, core });
    }
    return { config, configFile: file, modules, bundle };
  } finally {
    await engine.close();
  }
}
