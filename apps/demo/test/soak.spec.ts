import { spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '../../..');

/**
 * The 60-second soak (`npm run soak -- --minutes 1`) on ipc: the demo modules
 * under 2 s TTLs, continuous events, a SIGKILL every 10 s and a narrowing
 * reload every 15 s, on the built packages. Longer runs per transport:
 * `npm run soak -- --minutes 10 --transport ipc|zeromq|inproc`.
 */
describe('the soak, one minute on ipc', () => {
  it('loses no call and no event outside kill windows, and strands no module', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(REPO, 'tools/soak/soak.mjs'), '--minutes', '1', '--transport', 'ipc', '--json'],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('exit', () => resolve(stdout));
    });
    const report = JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(report).toMatchObject({
      failedOutsideWindows: 0,
      lostOutside: 0,
      stranded: [],
    });
    // It really ran: calls flowed, hosts were killed, the policy was reloaded, events were counted.
    expect(report['succeeded']).toEqual(expect.any(Number));
    expect(report['succeeded'] as number).toBeGreaterThan(1000);
    expect(report['kills'] as number).toBeGreaterThanOrEqual(3);
    expect(report['reloads'] as number).toBeGreaterThanOrEqual(3);
    expect(report['deliveredOutside'] as number).toBeGreaterThan(1000);
    expect(report['ok']).toBe(true);
  }, 150_000);
});
