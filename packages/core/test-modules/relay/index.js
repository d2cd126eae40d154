// Calls echo from its own process, through its SDK client.
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'relay',
  create(ctx) {
    const echo = ctx.client('echo');
    // Subscription tests: echo's beats seen, and the framework's notices.
    const beats = [];
    const notices = [];
    ctx.on('revoked', (info) => notices.push({ kind: 'revoked', ...info }));
    ctx.on('restarted', (target) => notices.push({ kind: 'restarted', target }));
    // Ask-the-operator tests: the request id and code the core told this module.
    ctx.on('awaitingApproval', (info) => notices.push({ kind: 'awaitingApproval', ...info }));
    const marker = join(ctx.dataDir, 'watching');
    const subscribe = () => ctx.on('echo', 'beat', (n) => beats.push(n));
    // A module that wants its subscriptions back after its own restart makes them again in create().
    if (existsSync(marker))
      void subscribe().catch((err) => notices.push({ kind: 'failed', reason: err.message }));
    return {
      /** Subscribe to echo's beats, now and after every restart of this module. */
      watch: async () => {
        await subscribe();
        writeFileSync(marker, '');
        return true;
      },
      beats: () => beats,
      notices: () => notices,
      relay: (value) => echo.echo(value),
      /** echo.echo(value) with a timeout of `ms` (a request held for the operator counts). */
      relayWithin: (value, ms) => ctx.call('echo', 'echo', [value], { timeoutMs: ms }),
      /** echo.echo(value), cancelled by this module's AbortSignal after `ms`. */
      relayCancelledAfter: (value, ms) =>
        ctx.call('echo', 'echo', [value], { signal: globalThis.AbortSignal.timeout(ms) }),
      relayDie: () => echo.dieMidCall(),
      whoAmI: async () => ({ relay: process.pid, echo: await echo.pid() }),
      /**
       * Benchmark helper: times this module's very first echo.echo(value)
       * through the SDK client (requestModule to the core, the connection to
       * echo, the call), then a second, warm call. Returns both in ns.
       */
      firstEcho: async (value) => {
        const t0 = process.hrtime.bigint();
        await echo.echo(value);
        const t1 = process.hrtime.bigint();
        await echo.echo(value);
        const t2 = process.hrtime.bigint();
        return { coldNs: Number(t1 - t0), warmNs: Number(t2 - t1) };
      },
      /**
       * Benchmark helper: `n` calls of echo.echo(value) through the SDK client
       * (cached token), `inflight` at a time. Returns the elapsed time in ns
       * and, for sequential runs, the p50/p99 of each call in ns.
       */
      loop: async (n, inflight, value) => {
        const count = Math.max(0, Math.min(Number(n) || 0, 10_000_000));
        const lanes = Math.max(1, Math.min(Number(inflight) || 1, 1024));
        const started = process.hrtime.bigint();
        if (lanes === 1) {
          const times = new Float64Array(count);
          for (let i = 0; i < count; i++) {
            const t0 = process.hrtime.bigint();
            await echo.echo(value);
            times[i] = Number(process.hrtime.bigint() - t0);
          }
          const elapsedNs = Number(process.hrtime.bigint() - started);
          times.sort();
          return {
            elapsedNs,
            p50Ns: times[Math.floor(count * 0.5)] ?? 0,
            p99Ns: times[Math.floor(count * 0.99)] ?? 0,
          };
        }
        let issued = 0;
        const lane = async () => {
          while (issued < count) {
            issued++;
            await echo.echo(value);
          }
        };
        await Promise.all(Array.from({ length: lanes }, lane));
        return { elapsedNs: Number(process.hrtime.bigint() - started) };
      },
    };
  },
});
