import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type AppConfig, ErrorCode, TesseraError, validateConfig } from '@tessera/protocol';
import {
  AuditedPolicyEngine,
  JsonLinesAuditSink,
  OpaPolicyEngine,
  type PolicyEngine,
  type PolicyLogger,
  stderrPolicyLogger,
} from '@tessera/policy';
import { IpcTransport } from '@tessera/transport-ipc';
import { loadDefinition } from '@tessera/host';
import type { CoreEvent } from '../lifecycle/core-events';
import { OPERATOR } from '../registry/core-facts';
import type { ModuleEntry } from '../registry/module-registry';
import { discoverModules } from '../discovery';
import { OperatorEndpoint, createOperatorCredential } from '../operator/operator-endpoint';
import { openSecurityLog, securityLogPath } from './security-log';
import { createTessera, type Tessera } from '../tessera';
import {
  type RunPaths,
  type SweptRun,
  claimRun,
  recordOperator,
  releaseRun,
  releaseRunSync,
  runPathsFor,
} from './run-state';
import { resolvePassphrase } from '../secrets';

/**
 * Where `tessera run` keeps the core's network state (its CURVE key pair
 * and admitted remote keys, sealed): `<app>/.tessera/network`.
 */
export function networkStateDirFor(configFile: string): string {
  return join(dirname(resolve(configFile)), '.tessera', 'network');
}

export interface StartAppOptions {
  /** Lifecycle events (loading, ready, crashed...), e.g. for progress output. */
  onEvent?: (e: CoreEvent) => void;
  /** Serve the operator socket for `tessera ls/call/inspect`; default true. */
  operator?: boolean;
  policyLogger?: PolicyLogger;
  /** Network mode: the passphrase sealing the core's state; default from the environment or a prompt. */
  passphrase?: string;
}

/** A running app started from its config file. */
export interface RunningApp {
  readonly app: Tessera;
  readonly config: AppConfig;
  readonly configFile: string;
  /** The operator socket address, when served. */
  readonly operatorAddress?: string;
  /** Where the operator address is recorded for the CLI. */
  readonly stateFile: string;
  /** This run's state files and socket directory, keyed by the config's path. */
  readonly paths: RunPaths;
  /** What a previous run of this config left behind (killed) and this start swept. */
  readonly swept?: SweptRun;
  close(): Promise<void>;
  /** Remove run.json, the credential and the sockets synchronously (a forced exit). */
  releaseSync(): void;
}

/**
 * Where `tessera run` records how to reach the app (no secrets: the
 * credential has a file of its own): `<app>/.tessera/run/<config file name>/run.json`.
 */
export function stateFileFor(configFile: string): string {
  return runPathsFor(configFile).stateFile;
}

/**
 * Where `tessera run` keeps this run's operator credential: a 0600 file in
 * the app's state directory, which module hosts' sandboxes do not expose.
 * Whoever can read it can act as the operator.
 */
export function operatorKeyFileFor(configFile: string): string {
  return runPathsFor(configFile).keyFile;
}

/** Read and validate a config file; every mistake names the file and the field. */
export async function loadConfig(configFile: string): Promise<AppConfig> {
  const file = resolve(configFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw TesseraError.notFound(`config file not found: ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw TesseraError.invalidArgument(
      `${basename(file)}: not valid JSON: ${(err as Error).message}`,
    );
  }
  return validateConfig(json, { file: basename(file) });
}

async function openPolicy(
  config: AppConfig,
  dir: string,
  logger: PolicyLogger,
): Promise<PolicyEngine> {
  const bundle = resolve(dir, config.policy.bundle);
  const { engine, outcome } = await OpaPolicyEngine.open({
    bundle,
    watch: config.policy.watch,
    forceReloads: config.policy.allowRevokeAll === true,
    logger,
  });
  if (!outcome.ok) {
    await engine.close();
    throw new TesseraError(
      ErrorCode.FAILED_PRECONDITION,
      `policy bundle ${bundle} could not be loaded (${outcome.error?.message ?? 'unknown error'}); build it with: npx tessera policy build`,
    );
  }
  switch (config.audit.kind) {
    case 'jsonl': {
      const path = resolve(dir, config.audit.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 }); // a fresh clone has no .tessera/ yet
      // Rotated by size (audit.maxBytes, audit.keep), so the log never grows without bound.
      const { maxBytes, keep } = config.audit;
      const sink = new JsonLinesAuditSink(path, {
        logger,
        ...(maxBytes !== undefined ? { maxBytes } : {}),
        ...(keep !== undefined ? { keep } : {}),
      });
      return new AuditedPolicyEngine(engine, sink, { closeSink: true });
    }
    case 'stderr':
      return new AuditedPolicyEngine(engine, new JsonLinesAuditSink(process.stderr, { logger }), {
        closeSink: false,
      });
    case 'none':
      return engine;
  }
}

/**
 * Start an app from `tessera.config.json`: validate it, find the modules by
 * npm name, open the policy bundle, start the core and load every module in
 * dependency order, then open the operator socket.
 */
export async function startApp(
  configFile: string,
  options: StartAppOptions = {},
): Promise<RunningApp> {
  const file = resolve(configFile);
  const dir = dirname(file);
  const config = await loadConfig(file);
  const found = await discoverModules(config, { cwd: dir, file: basename(file) });
  const entries: ModuleEntry[] = found.map((m) => ({
    manifest: m.manifest,
    packageName: m.packageName,
    entryPath: m.entryPath,
    packageDir: m.packageDir,
    definition:
      config.isolation === 'in-process' ? loadDefinition(m.entryPath, m.manifest.name) : undefined,
  }));
  // Network mode keeps the core's identity sealed at rest: no passphrase, no start.
  const networkState = config.network
    ? {
        dir: networkStateDirFor(file),
        passphrase:
          options.passphrase ??
          (await resolvePassphrase({
            what: `the core's network state (${networkStateDirFor(file)})`,
          })),
      }
    : undefined;
  // One run per config: a live one is refused by pid, a dead one's leftovers swept.
  const { paths, swept } = await claimRun(file);
  const logger = options.policyLogger ?? stderrPolicyLogger;
  let policy: PolicyEngine;
  try {
    policy = await openPolicy(config, dir, logger);
  } catch (err) {
    await releaseRun(paths);
    throw err;
  }
  // One security trail per app: security.jsonl beside the decision log (rotated alike).
  const securityLog = openSecurityLog(config, dir, logger);
  let app: Tessera;
  try {
    app = await createTessera({
      isolation: config.isolation,
      transport: withRuntimeDir(config.transport, paths.runtimeDir),
      policy,
      restart: config.restart,
      ...(config.limits ? { limits: config.limits } : {}),
      deniedResult: config.deniedResult,
      heartbeatMs: config.heartbeatMs,
      defaultTimeoutMs: config.callTimeoutMs,
      // Hosts write only their own <app>/.tessera/data/<module>; the rest of .tessera, the
      // policy bundle, the config and the audit log stay out of every module's reach.
      sandbox: config.sandbox,
      stateDir: join(dir, '.tessera'),
      protect: [
        resolve(dir, config.policy.bundle),
        file,
        ...(config.audit.kind === 'jsonl' ? [resolve(dir, config.audit.path)] : []),
        ...[securityLogPath(config, dir)].filter((p): p is string => p !== undefined),
      ],
      ...(securityLog ? { trail: { sink: securityLog, closeSink: true } } : {}),
      identities: [{ name: OPERATOR, provides: {}, requires: [] }],
      ...(config.network
        ? { network: { ...config.network, appDir: dir, state: networkState } }
        : {}),
    });
  } catch (err) {
    await policy.close();
    await securityLog?.close();
    await releaseRun(paths);
    throw err;
  }
  const stateFile = paths.stateFile;
  const keyFile = paths.keyFile;
  let operator: OperatorEndpoint | undefined;
  const close = async (): Promise<void> => {
    await operator?.close();
    await app.close();
    await policy.close();
    await releaseRun(paths);
  };
  try {
    if (options.onEvent) app.core.onEvent(options.onEvent);
    await app.core.load(entries);
    let operatorAddress: string | undefined;
    if (options.operator !== false) {
      const credential = createOperatorCredential();
      await rm(keyFile, { force: true }); // a fresh file, so no one else's open handle or mode survives
      await writeFile(keyFile, credential + '\n', { mode: 0o600, flag: 'wx' });
      operator = new OperatorEndpoint(
        app.core,
        new IpcTransport({ runtimeDir: paths.runtimeDir }),
        credential,
      );
      operatorAddress = await operator.start();
      await recordOperator(paths, { operator: operatorAddress, operatorKey: keyFile });
    }
    return {
      app,
      config,
      configFile: file,
      operatorAddress,
      stateFile,
      paths,
      ...(swept ? { swept } : {}),
      close,
      releaseSync: () => releaseRunSync(paths),
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * An ipc or zeromq transport without a runtimeDir of its own gets the app's:
 * its sockets (and its hosts') are swept with the app's state.
 */
function withRuntimeDir(
  transport: AppConfig['transport'],
  runtimeDir: string,
): AppConfig['transport'] {
  if (transport.kind === 'inproc' || transport.options?.['runtimeDir'] !== undefined)
    return transport;
  return { ...transport, options: { ...transport.options, runtimeDir } };
}
