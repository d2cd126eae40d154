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
import { OperatorEndpoint } from '../operator/operator-endpoint';
import { createTessera, type Tessera } from '../tessera';

export interface StartAppOptions {
  /** Lifecycle events (loading, ready, crashed...), e.g. for progress output. */
  onEvent?: (e: CoreEvent) => void;
  /** Serve the operator socket for `tessera ls/call/inspect`; default true. */
  operator?: boolean;
  policyLogger?: PolicyLogger;
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
  close(): Promise<void>;
}

/** Where `tessera run` records how to reach the app (no secrets: the socket's permissions guard it). */
export function stateFileFor(configFile: string): string {
  return join(dirname(resolve(configFile)), '.tessera', 'run.json');
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
    logger,
  });
  if (!outcome.ok) {
    await engine.close();
    throw new TesseraError(
      ErrorCode.FAILED_PRECONDITION,
      `policy bundle ${bundle} could not be loaded (${outcome.error ?? 'unknown error'}); build it with: npm run policy:build`,
    );
  }
  switch (config.audit.kind) {
    case 'jsonl': {
      const path = resolve(dir, config.audit.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 }); // a fresh clone has no .tessera/ yet
      return new AuditedPolicyEngine(engine, new JsonLinesAuditSink(path, { logger }), {
        closeSink: true,
      });
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
    definition:
      config.isolation === 'in-process' ? loadDefinition(m.entryPath, m.manifest.name) : undefined,
  }));
  const policy = await openPolicy(config, dir, options.policyLogger ?? stderrPolicyLogger);
  let app: Tessera;
  try {
    app = await createTessera({
      isolation: config.isolation,
      transport: config.transport,
      policy,
      restart: config.restart,
      deniedResult: config.deniedResult,
      heartbeatMs: config.heartbeatMs,
      defaultTimeoutMs: config.callTimeoutMs,
      identities: [{ name: OPERATOR, provides: {}, requires: [] }],
      ...(config.network ? { network: config.network } : {}),
    });
  } catch (err) {
    await policy.close();
    throw err;
  }
  const stateFile = stateFileFor(file);
  let operator: OperatorEndpoint | undefined;
  const close = async (): Promise<void> => {
    await operator?.close();
    await app.close();
    await policy.close();
    await rm(stateFile, { force: true });
  };
  try {
    if (options.onEvent) app.core.onEvent(options.onEvent);
    await app.core.load(entries);
    let operatorAddress: string | undefined;
    if (options.operator !== false) {
      operator = new OperatorEndpoint(app.core, new IpcTransport());
      operatorAddress = await operator.start();
      await mkdir(dirname(stateFile), { recursive: true, mode: 0o700 });
      await writeFile(
        stateFile,
        JSON.stringify(
          {
            pid: process.pid,
            operator: operatorAddress,
            config: file,
            startedAt: new Date().toISOString(),
          },
          null,
          2,
        ) + '\n',
        { mode: 0o600 },
      );
    }
    return { app, config, configFile: file, operatorAddress, stateFile, close };
  } catch (err) {
    await close();
    throw err;
  }
}
