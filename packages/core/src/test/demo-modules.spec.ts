import { join, resolve } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { OpaPolicyEngine, silentPolicyLogger } from '@tessera/policy';
import { loadDefinition } from '@tessera/host';
import { discoverModules } from '../lib/discovery';
import type { ModuleEntry } from '../lib/registry/module-registry';
import { createTessera, type Tessera } from '../lib/tessera';
import { errorOf } from '@tessera/protocol/testing';

/**
 * The three example packages, found by npm name and run in-process under
 * the real Rego policy (policies/build, from `npx nx run policies:build`).
 * Needs the modules built (`npx nx run-many -t build`).
 */
const ROOT = resolve(__dirname, '../../../..');
const OPERATOR = { name: 'operator', provides: {}, requires: [] };

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('demo modules by package name, under the real policy', () => {
  let app: Tessera;
  let engine: OpaPolicyEngine;

  beforeAll(async () => {
    const opened = await OpaPolicyEngine.open({
      bundle: join(ROOT, 'policies/build'),
      logger: silentPolicyLogger,
    });
    engine = opened.engine;
    expect(opened.outcome.ok).toBe(true);
    const found = await discoverModules(
      { modules: ['@tessera-demo/audit', '@tessera-demo/notes', '@tessera-demo/storage'] },
      { cwd: ROOT },
    );
    const modules: ModuleEntry[] = found.map((m) => ({
      manifest: m.manifest,
      packageName: m.packageName,
      definition: loadDefinition(m.entryPath, m.manifest.name),
    }));
    app = await createTessera({
      policy: engine,
      modules,
      identities: [OPERATOR],
      capability: { sweepIntervalMs: 0 },
    });
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
  });

  /** Call `module.method` as the operator (relayed by the core), with a token the policy issued for it. */
  function asOperator(module: string, method: string, args: unknown[] = []): Promise<unknown> {
    return app.core.operatorCall(module, method, args);
  }

  it('loads storage, notes and audit in dependency order, each with the scope the policy derives from the manifests', () => {
    expect(app.core.listModules().map((m) => [m.name, m.state])).toEqual([
      ['audit', 'ready'],
      ['notes', 'ready'],
      ['storage', 'ready'],
    ]);
    const grants = app.core.capability.grants().filter((g) => g.target !== 'core');
    const scope = (caller: string, target: string) =>
      grants.find((g) => g.caller === caller && g.target === target);
    expect(scope('audit', 'notes')).toMatchObject({
      methods: ['event:noteAdded'],
      reason: 'audit requires notes-watch provided by notes',
    });
    expect(scope('audit', 'storage')).toMatchObject({
      methods: ['event:changed'],
      reason: 'audit requires kv-watch provided by storage',
    });
  });

  it('adds a note through notes, which stores it in storage; audit sees both events', async () => {
    const note = (await asOperator('notes', 'add', ['Demo', 'hello from the operator'])) as {
      id: string;
      title: string;
    };
    expect(note).toMatchObject({ title: 'Demo', body: 'hello from the operator' });
    await expect(asOperator('storage', 'get', [`note:${note.id}`])).resolves.toEqual(note);
    await expect(asOperator('notes', 'list')).resolves.toEqual([note]);
    const notesToStorage = app.core.capability
      .grants()
      .find((g) => g.caller === 'notes' && g.target === 'storage');
    expect(notesToStorage).toMatchObject({
      methods: ['delete', 'get', 'list', 'set'],
      reason: 'notes requires kv-read, kv-write provided by storage',
    });

    const summary = await until(
      () =>
        asOperator('audit', 'summary') as Promise<{
          total: number;
          bySource: Record<string, number>;
        }>,
      (s) => s.total >= 2,
    );
    expect(summary.bySource).toEqual({ 'notes.noteAdded': 1, 'storage.changed': 1 });
    const recent = (await asOperator('audit', 'recent', [10])) as {
      source: string;
      payload: unknown;
    }[];
    expect(recent.map((e) => e.source).sort()).toEqual(['notes.noteAdded', 'storage.changed']);
    expect(recent.find((e) => e.source === 'notes.noteAdded')?.payload).toEqual({
      id: note.id,
      title: 'Demo',
    });
  });

  it("refuses audit's write to storage: its grant (kv-watch only) does not cover set, and storage's code never runs", async () => {
    const outcome = await asOperator('audit', 'tryTamper');
    expect(outcome).toEqual({
      denied: true,
      code: ErrorCode.PERMISSION_DENIED,
      reason: "'set' is not granted to audit on storage",
    });
    // (The operator may read only note:* keys: data.tessera.constraints; a list shows every key.)
    await expect(asOperator('storage', 'list')).resolves.not.toContain('tampered');
  });

  it("denies with the policy's own reason when no required capability matches", async () => {
    const denials: string[] = [];
    const off = app.core.capability.onEvent((e) => e.kind === 'denied' && denials.push(e.reason));
    const storageToNotes = await errorOf(app.core.issueToken('storage', 'notes'));
    expect(storageToNotes.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(storageToNotes.message).toBe('storage does not require any capability notes provides');
    off();
    expect(denials).toEqual([storageToNotes.message]);
  });

  it('rejects bad arguments inside the module with a typed error that crosses the wire', async () => {
    const err = await errorOf(asOperator('storage', 'set', ['', 1]));
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe('key must be a non-empty string of at most 256 characters');
  });
});
