import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, needsBuild, removeTestDir, REPO, tempApp } from '../src/testing';
import { NodeProcess, run } from './netns/node-process';
import { Topology } from './netns/topology';

/**
 * A core and three remote hosts, each in its own Linux network namespace
 * joined by a bridge (or, where namespaces cannot be made, all on
 * loopback: the test name says which), driven through the real CLI:
 * `tessera run` on the core node, `tessera admit` there, `tessera host` on
 * each host node. echo (h1) is called directly by pinger (h2, on its own,
 * every 50 ms, no core on the path) and relay (h3). Each scenario measures
 * time to detect and time to recover; the table is printed at the end.
 */
const NODES = ['core', 'h1', 'h2', 'h3'] as const;
type Node = (typeof NODES)[number];
// TESSERA_NETNS=0 runs the loopback variant even where namespaces could be made.
const topo = process.env['TESSERA_NETNS'] === '0' ? undefined : Topology.tryCreate(NODES);
const MODE = topo ? 'network namespaces' : 'loopback';
const PASS = 'netns suite passphrase';

interface Row {
  scenario: string;
  detectMs: number | string;
  recoverMs: number | string;
}

interface PingerStats {
  instance: string;
  ok: number;
  failed: number;
  lastOkAt: number;
  lastTick: number;
  restarted: string[];
  probes: { at: number; code: string; message?: string }[];
  beats: number;
  lastBeatAt: number;
  failures: { at: number; code: string; message: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How much busier than its cores this machine is right now (1 when idle): shared CI runners. */
const loadFactor = () => Math.max(1, loadavg()[0] / cpus().length);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe(`multi-host through the real CLI (${MODE})`, () => {
  let app: { dir: string; config: string };
  let passFile: string;
  let core: NodeProcess;
  const hosts = new Map<string, NodeProcess>();
  const rows: Row[] = [];
  const env = { ...process.env, TESSERA_PASSPHRASE: undefined } as NodeJS.ProcessEnv;
  const ipOf = (node: Node) => topo?.addresses.get(node) ?? '127.0.0.1';
  const inNode = (node: Node): string[] => topo?.exec(node) ?? [];
  const modules = {
    h1: '@tessera-test/echo',
    h2: '@tessera-test/pinger',
    h3: '@tessera-test/relay',
  };

  const startCore = (): NodeProcess =>
    new NodeProcess('core', [...inNode('core'), process.execPath, CLI, 'run', app.config], {
      cwd: REPO,
      env: { ...env, TESSERA_PASSPHRASE_FILE: passFile },
    });

  /**
   * `tessera host` for the module of `node` (or `module`, as process `name`):
   * the same command line every time (restart-safe).
   */
  const startHost = (
    node: 'h1' | 'h2' | 'h3',
    credential = '',
    as: { name: string; module: string } = { name: node, module: modules[node] },
  ): NodeProcess => {
    const p = new NodeProcess(
      as.name,
      [
        ...inNode(node),
        process.execPath,
        CLI,
        'host',
        '--module',
        as.module,
        // echo's host listens on the default tcp://0.0.0.0:0 and must find its own address.
        ...(as.name === 'h1' ? [] : ['--listen', `tcp://${ipOf(node)}:0`]),
        '--identity-file',
        join(app.dir, `${as.name}.identity`),
        '--passphrase-file',
        passFile,
      ],
      { cwd: REPO, env, stdin: credential },
    );
    hosts.set(as.name, p);
    return p;
  };

  /** The operator's CLI, on the core's node. */
  const tessera = (...args: string[]) =>
    run([...inNode('core'), process.execPath, CLI, ...args, '--config', app.config], {
      cwd: REPO,
      env,
    });

  const call = async (module: string, method: string, args: unknown[] = []): Promise<unknown> => {
    const r = await tessera('call', module, method, JSON.stringify(args));
    if (r.code !== 0) throw new Error(`call ${module}.${method}: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  };
  const stats = async () => (await call('pinger', 'stats')) as PingerStats;

  /** Cut a node off (netns: its switch port down; loopback: its host process frozen), or restore it. */
  const link = (node: 'h1' | 'h2' | 'h3', up: boolean) => {
    if (topo) topo.link(node, up);
    else hosts.get(node)?.signal(up ? 'SIGCONT' : 'SIGSTOP');
  };

  const waitUntil = async (what: string, pred: () => Promise<boolean> | boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error(`not reached in ${ms} ms: ${what}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run-many', '-t', 'build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    const port = topo ? 7700 : await freePort();
    app = tempApp(`netns-${topo?.tag ?? 'lo'}`, {
      modules: [],
      transport: { kind: 'zeromq' },
      network: { listen: `tcp://${ipOf('core')}:${port}`, hostListen: `tcp://${ipOf('core')}:0` },
    });
    passFile = join(app.dir, 'passphrase');
    writeFileSync(passFile, PASS, { mode: 0o600 });
    chmodSync(passFile, 0o600);
    core = startCore();
    await core.waitFor(/operator {6}ipc:\/\//, 30_000);
  }, 180_000);

  afterAll(async () => {
    process.stdout.write(
      `\nmulti-host scenarios (${MODE}):\n` +
        rows
          .map(
            (r) =>
              `  ${r.scenario.padEnd(58)} detect ${String(r.detectMs).padStart(6)} ms   recover ${String(r.recoverMs).padStart(6)} ms`,
          )
          .join('\n') +
        '\n',
    );
    for (const h of hosts.values()) await h.stop();
    await core?.stop();
    topo?.dispose();
    if (app) removeTestDir(app.dir);
  });

  it('joins three hosts, which come up in dependency order by themselves, and calls cross hosts', async () => {
    const t0 = Date.now();
    // pinger and relay need echo: started first, they retry until echo is there.
    for (const node of ['h2', 'h3', 'h1'] as const) {
      const admitted = await tessera('admit', modules[node]);
      expect(admitted.stderr).toBe('');
      startHost(node, admitted.stdout.trim());
    }
    for (const node of ['h1', 'h2', 'h3'] as const)
      await hosts.get(node)?.waitFor(/attached to tcp:\/\//, 30_000);
    expect(hosts.get('h2')?.output).toMatch(/depends on echo, which is not loaded; retrying/);
    // Listening on 0.0.0.0, echo's host advertises its address on the route to the core, never 0.0.0.0.
    expect(hosts.get('h1')?.output).toContain(`advertising ${ipOf('h1')} (`);
    expect(hosts.get('h1')?.output).toContain(`serving at tcp://${ipOf('h1')}:`);
    rows.push({
      scenario: 'three hosts join (dependents first)',
      detectMs: '-',
      recoverMs: Date.now() - t0,
    });
    // On the core: remote modules, labelled so.
    expect(core.output).toMatch(/✓ echo ready in \d+ ms \(remote host at tcp:\/\/[\d.]+:\d+\)/);

    // relay (h3) → echo (h1), asked by the operator on the core's node.
    await expect(call('relay', 'relay', ['across hosts'])).resolves.toBe('across hosts');
    await call('pinger', 'start', [50]);
    await waitUntil('pinger calls echo', async () => (await stats()).ok >= 5);
    await waitUntil(
      'echo beats reach pinger (cross-host subscription)',
      async () => (await stats()).beats >= 5,
    );
    const ls = JSON.parse((await tessera('ls', '--json')).stdout) as {
      name: string;
      state: string;
    }[];
    expect(ls.map((r) => [r.name, r.state]).sort()).toEqual([
      ['echo', 'ready'],
      ['pinger', 'ready'],
      ['relay', 'ready'],
    ]);
  }, 90_000);

  it('revokes a SIGKILLed host within 1 s everywhere; the same command line brings it back', async () => {
    const relay = hosts.get('h3') as NodeProcess;
    const t0 = Date.now();
    relay.signal('SIGKILL');
    const crashed = await core.waitFor(/relay crashed: .*\(\d+ grants? revoked\)/, 10_000, t0);
    const detect = crashed.at - t0;
    // 1 s on an idle machine; a machine busier than its cores stretches every step alike.
    expect(detect).toBeLessThan(1000 * loadFactor());
    const grants = JSON.parse((await tessera('inspect', '--json')).stdout) as {
      caller: string;
      target: string;
    }[];
    expect(grants.filter((g) => g.caller === 'relay' || g.target === 'relay')).toEqual([]);
    await relay.exited;
    // The README's command line again, stdin empty: the identity file is used, no credential read.
    const t1 = Date.now();
    const again = startHost('h3');
    await again.waitFor(/relay attached to/, 20_000);
    await expect(call('relay', 'relay', ['back'])).resolves.toBe('back');
    rows.push({
      scenario: 'host SIGKILLed, then restarted by the same command',
      detectMs: detect,
      recoverMs: Date.now() - t1,
    });
  }, 60_000);

  it('rides out a 2 s cut: no restart, no state lost, calls resume', async () => {
    const before = await stats();
    const t0 = Date.now();
    link('h2', false);
    await sleep(2000);
    const up = Date.now();
    link('h2', true);
    await waitUntil('pinger calls echo again', async () => (await stats()).lastOkAt > up, 15_000);
    const after = await stats();
    await sleep(1000); // a late verdict would show up here
    expect(core.find(/pinger (lost|crashed)/, t0)).toBeUndefined();
    expect(hosts.get('h2')?.find(/connection to the core lost/, t0)).toBeUndefined();
    expect(after.instance).toBe(before.instance);
    expect(after.ok).toBeGreaterThan(before.ok);
    expect(after.restarted).toEqual([]);
    rows.push({
      scenario: '2 s link cut (pinger host)',
      detectMs: 'not a crash',
      recoverMs: after.lastOkAt - up,
    });
  }, 60_000);

  it('detects a 10 s cut, then resumes with the same instance', async () => {
    const before = await stats();
    const t0 = Date.now();
    link('h2', false);
    const lost = await core.waitFor(/pinger lost its remote host/, 15_000, t0);
    const wait = t0 + 10_000 - Date.now();
    if (wait > 0) await sleep(wait);
    const up = Date.now();
    link('h2', true);
    const back = await (hosts.get('h2') as NodeProcess).waitFor(
      /pinger re-attached to .*same instance/,
      20_000,
      up,
    );
    await waitUntil(
      'pinger calls echo on a new grant',
      async () => (await stats()).lastOkAt > back.at,
      15_000,
    );
    // Its subscription to echo's beats was re-established with the new grant: beats arrive again.
    await waitUntil(
      'echo beats reach pinger again',
      async () => (await stats()).lastBeatAt > back.at,
      15_000,
    );
    const after = await stats();
    expect(after.instance).toBe(before.instance);
    expect(after.ok).toBeGreaterThan(before.ok);
    expect(after.beats).toBeGreaterThan(before.beats);
    // echo never restarted, and pinger's caller was not told it did.
    expect(after.restarted).toEqual([]);
    rows.push({
      scenario: '10 s link cut (pinger host)',
      detectMs: lost.at - t0,
      recoverMs: after.lastOkAt - up,
    });
  }, 60_000);

  it('fences a frozen host the operator replaced: on waking it is told so and exits 3', async () => {
    const stale = hosts.get('h3') as NodeProcess;
    stale.signal('SIGSTOP');
    const t0 = Date.now();
    const admitted = await tessera('admit', modules.h3, '--replace');
    expect(admitted.stderr).toBe('');
    // The replacement runs on h1's node.
    const replacement = startHost('h1', admitted.stdout.trim(), {
      name: 'h3r',
      module: modules.h3,
    });
    await replacement.waitFor(/relay attached to/, 30_000);
    const replacedMs = Date.now() - t0;
    await expect(call('relay', 'relay', ['from the replacement'])).resolves.toBe(
      'from the replacement',
    );
    const who = (await call('relay', 'whoAmI')) as { relay: number };
    expect(who.relay).toBe(replacement.child.pid);
    const t1 = Date.now();
    stale.signal('SIGCONT');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exit = await Promise.race([
      stale.exited,
      new Promise((r) => (timer = setTimeout(() => r('still running'), 20_000))),
    ]);
    clearTimeout(timer);
    expect({ exit, output: stale.output }).toMatchObject({ exit: { code: 3, signal: null } });
    const fencedMs = Date.now() - t1;
    expect(stale.output).toMatch(
      /this process was replaced: .*fenced: replaced by a newly admitted host/,
    );
    expect(core.output).not.toMatch(/relay crashed.*\n.*relay ready/); // no flapping back to the stale one
    await expect(call('relay', 'relay', ['still the replacement'])).resolves.toBe(
      'still the replacement',
    );
    expect(((await call('relay', 'whoAmI')) as { relay: number }).relay).toBe(
      replacement.child.pid,
    );
    rows.push({
      scenario: 'frozen host replaced (admit --replace); fenced on SIGCONT',
      detectMs: fencedMs,
      recoverMs: replacedMs,
    });
  }, 90_000);

  it('survives a core kill: peer calls go on throughout, hosts rejoin the restarted core by themselves', async () => {
    await call('pinger', 'probe', ['relay']); // a grant pinger does not hold: asked every 10th ping
    await waitUntil('a probe was answered', async () => (await stats()).probes.length > 0);
    const before = await stats();
    const t0 = Date.now();
    core.signal('SIGKILL');
    await core.exited;
    const live = [...hosts.values()].filter((h) => h.alive);
    expect(live.map((h) => h.name).sort()).toEqual(['h1', 'h2', 'h3r']);
    const noticed = await Promise.all(
      live.map((h) => h.waitFor(/connection to the core lost/, 15_000, t0)),
    );
    await sleep(1500); // the core stays away a while
    const t1 = Date.now();
    core = startCore();
    const rejoined = await Promise.all(
      live.map((h) => h.waitFor(/re-attached to .*same instance/, 30_000, t1)),
    );
    await core.waitFor(/operator {6}ipc:\/\//, 30_000);
    const after = await stats();
    expect(after.instance).toBe(before.instance);
    // Every call pinger made while the core was away went through: no failure since the kill.
    expect(after.failures.filter((f) => f.at >= t0)).toEqual([]);
    expect(after.ok - before.ok).toBeGreaterThan(((t1 - t0) / 50) * 0.5);
    expect(after.restarted).toEqual([]);
    // A new grant, asked for while the core was away, failed at once with UNAVAILABLE and said why.
    const away = after.probes.filter((p) => p.at > t0 && p.at < t1);
    expect(away.length).toBeGreaterThan(0);
    for (const p of away) {
      expect(p.code).toBe('UNAVAILABLE');
      expect(p.message).toMatch(
        /the core is unreachable \(module pinger is reconnecting\): new grants need the core/,
      );
    }
    // Before and after, the policy answered (pinger does not require anything relay provides).
    expect(before.probes[0]?.code).toBe('PERMISSION_DENIED');
    // Events flowed host to host while the core was away.
    expect(after.beats - before.beats).toBeGreaterThan(((t1 - t0) / 50) * 0.5);
    await expect(call('relay', 'relay', ['after the restart'])).resolves.toBe('after the restart');
    rows.push({
      scenario: 'core SIGKILLed, restarted 1.5 s later (peer calls: 0 failed)',
      detectMs: Math.max(...noticed.map((l) => l.at)) - t0,
      recoverMs: Math.max(...rejoined.map((l) => l.at)) - t1,
    });
  }, 90_000);

  it('operates remote hosts: lists them with their own stats, revokes a credential, evicts a host that then exits', async () => {
    const listed = JSON.parse((await tessera('hosts', '--json')).stdout) as {
      module: string;
      state: string;
      fingerprint: string;
      epoch: number;
      address?: string;
      stats?: { pid: number; rssBytes: number };
    }[];
    expect(listed.map((h) => [h.module, h.state])).toEqual([
      ['echo', 'ready'],
      ['pinger', 'ready'],
      ['relay', 'ready'],
    ]);
    const pinger = listed.find((h) => h.module === 'pinger');
    expect(pinger?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(pinger?.epoch).toBeGreaterThanOrEqual(3); // joined, re-attached after the 10 s cut and the core restart
    expect(pinger?.address).toContain(ipOf('h2'));
    expect(pinger?.stats?.pid).toBe(hosts.get('h2')?.child.pid);
    expect(pinger?.stats?.rssBytes).toBeGreaterThan(1_000_000);
    // The table form: a header, then a row per host.
    const table = (await tessera('hosts')).stdout;
    expect(table).toMatch(/^MODULE +STATE +ADDRESS +KEY +EPOCH +UPTIME +PID +CPU% +RSS\n/);
    expect(table).toMatch(
      new RegExp(`\\npinger +ready +\\S*${ipOf('h2')}\\S* +${pinger?.fingerprint} `),
    );
    const ls = await tessera('ls');
    expect(ls.stdout).toMatch(
      new RegExp(`pinger +ready +${hosts.get('h2')?.child.pid} \\(remote\\)`),
    );

    // An unspent credential is listed (never shown again), revoked, and then refused.
    const minted = (await tessera('admit', '@tessera-demo/notes')).stdout.trim();
    const pending = JSON.parse((await tessera('credentials', '--json')).stdout) as {
      module: string;
    }[];
    expect(pending.map((c) => c.module)).toEqual(['notes']);
    const credentials = (await tessera('credentials')).stdout;
    expect(credentials).toMatch(/^MODULE +KEY +EXPIRES\nnotes +[0-9a-f]+ +\d{4}-\d\d-\d\dT/);
    expect(credentials).not.toContain(minted.slice(14, 40));
    expect((await tessera('credentials', 'revoke', 'notes')).code).toBe(0);
    expect(JSON.parse((await tessera('credentials', '--json')).stdout)).toEqual([]);
    expect((await tessera('credentials')).stdout).toBe('no unspent join credentials\n');
    const refused = startHost('h1', minted, { name: 'notes', module: '@tessera-demo/notes' });
    expect((await refused.exited).code).toBe(1);
    expect(refused.output).toMatch(/could not join/);

    // Evict relay: its process is told and exits 3; the module is gone at the core.
    const relay = hosts.get('h3r') as NodeProcess;
    const t0 = Date.now();
    const evicted = await tessera('evict', 'relay', '--reason', 'decommissioned');
    expect(evicted.stdout).toMatch(/evicted relay: key revoked and fenced, module unloaded/);
    expect((await relay.exited).code).toBe(3);
    const exitedMs = Date.now() - t0;
    expect(relay.output).toMatch(/fenced: .*evicted by the operator: decommissioned/);
    const after = JSON.parse((await tessera('ls', '--json')).stdout) as {
      name: string;
      loaded: boolean;
    }[];
    expect(after.find((r) => r.name === 'relay')?.loaded).not.toBe(true);
    expect(
      (JSON.parse((await tessera('hosts', '--json')).stdout) as { module: string }[]).map(
        (h) => h.module,
      ),
    ).toEqual(['echo', 'pinger']);
    rows.push({ scenario: 'evict: host told and exited', detectMs: exitedMs, recoverMs: '-' });
  }, 60_000);

  it('fences a hung module: the core revokes its grants, and on waking its host stops it and exits 1', async () => {
    const echo = hosts.get('h1') as NodeProcess;
    const before = await stats();
    const t0 = Date.now();
    void tessera('call', 'echo', 'hang', '[8000]'); // a busy loop: echo's host stops answering
    const lost = await core.waitFor(/echo lost its remote host/, 15_000, t0);
    const exit = await echo.exited;
    const stoppedMs = Date.now() - t0;
    expect(exit.code).toBe(1);
    expect(echo.output).toMatch(
      /hung: module echo hung for \d+ ms, longer than the 5000 ms liveness budget: the core has revoked its grants/,
    );
    // Started again by the same command, echo is a new instance, and pinger's caller is told so.
    const t1 = Date.now();
    const again = startHost('h1');
    await again.waitFor(/echo attached to/, 20_000);
    await waitUntil('pinger calls the new echo', async () => (await stats()).lastOkAt > t1, 20_000);
    const after = await stats();
    expect(after.instance).toBe(before.instance);
    expect(after.restarted).toContain('echo');
    rows.push({
      scenario: `hung module (8 s busy loop): lost; host stopped it at ${stoppedMs} ms`,
      detectMs: lost.at - t0,
      recoverMs: after.lastOkAt - t1,
    });
  }, 60_000);
});
