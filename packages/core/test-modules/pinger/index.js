// Calls echo.tick() every `ms` on its own (no operator, no core on the path)
// and counts the outcomes: multi-host tests read them to tell whether peer
// calls on live grants went on while the core or a link was away. `instance`
// is made once per create(): the same value later means the same instance.
const { randomBytes } = require('node:crypto');
const { clearInterval, setInterval } = require('node:timers');
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'pinger',
  create(ctx) {
    const instance = randomBytes(8).toString('hex');
    const createdAt = Date.now();
    const s = { ok: 0, failed: 0, lastTick: 0, lastOkAt: 0, failures: [], beats: 0, lastBeatAt: 0 };
    let subscribed;
    // A module pinger holds no grant for, asked now and then: what a new grant request gets.
    let probeTarget;
    let probing = false;
    const probes = [];
    const restarted = [];
    ctx.on('restarted', (target) => restarted.push(target));
    let timer;
    let busy = false;
    const ping = async () => {
      if (busy) return;
      busy = true;
      try {
        s.lastTick = await ctx.call('echo', 'tick', [], { timeoutMs: 1000 });
        s.ok++;
        s.lastOkAt = Date.now();
        // echo emits it back to every subscriber: this one's subscription, seen from here.
        await ctx.call('echo', 'beat', [s.lastTick], { timeoutMs: 1000 });
        if (probeTarget && !probing && s.ok % 10 === 0) void probe();
      } catch (err) {
        s.failed++;
        if (s.failures.length < 20)
          s.failures.push({ at: Date.now(), code: err.code, message: err.message });
      } finally {
        busy = false;
      }
    };
    const probe = async () => {
      probing = true;
      try {
        await ctx.call(probeTarget, 'whoAmI', [], { timeoutMs: 1000 });
        probes.push({ at: Date.now(), code: 'OK' });
      } catch (err) {
        probes.push({ at: Date.now(), code: err.code, message: err.message });
      } finally {
        if (probes.length > 50) probes.shift();
        probing = false;
      }
    };
    return {
      /** Ask for a grant on `target` every 10th ping from now on (see `probes` in stats). */
      probe: (target) => {
        probeTarget = target;
        return true;
      },
      /** Subscribe to echo's beats (once), then call echo every `ms` on its own. */
      start: async (ms) => {
        subscribed ??= ctx.on('echo', 'beat', () => {
          s.beats++;
          s.lastBeatAt = Date.now();
        });
        await subscribed;
        clearInterval(timer);
        timer = setInterval(ping, Math.max(10, Number(ms) || 50));
        return true;
      },
      halt: () => {
        clearInterval(timer);
        return true;
      },
      stats: () => ({ instance, createdAt, pid: process.pid, restarted, probes, ...s }),
    };
  },
  stop(instance) {
    instance.halt();
  },
});
