// A module whose process can be made to die or hang mid-call, for supervision tests.
const { clearTimeout } = require('node:timers');
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'echo',
  events: ['beat'],
  create(ctx) {
    let reads = 0;
    let ticks = 0;
    const waits = { started: 0, aborted: 0, finished: 0 };
    return {
      echo: (value) => value,
      /** A resource read: grants may constrain `key` (the manifest marks it). Counts every run. */
      read: (key) => {
        reads++;
        return `value of ${key}`;
      },
      reads: () => reads,
      /** Counts every run, for rate-limit tests. */
      tick: () => ++ticks,
      /** Waits `ms` unless the caller cancels or times out: ctx.signal fires here, in the target. */
      waitOrAbort: (ms) => {
        const signal = ctx.signal; // read before the first await, as the guide says
        waits.started++;
        return new Promise((resolve) => {
          const timer = setTimeout(() => {
            waits.finished++;
            resolve('finished');
          }, ms);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              waits.aborted++;
              resolve('aborted');
            },
            { once: true },
          );
        });
      },
      waits: () => waits,
      /** What ctx.caller shows this call, as plain data. */
      whoCalls: () => {
        const c = ctx.caller;
        return { ...c, methods: [...c.methods] };
      },
      /** ctx.caller read after an await: refused, never another call's caller. */
      lateCaller: async () => {
        await new Promise((r) => setTimeout(r, 5));
        try {
          return ctx.caller.name;
        } catch (err) {
          return err.code;
        }
      },
      /** Emit `beat` with `n`, for subscription tests. */
      beat: (n) => {
        ctx.emit('beat', n);
        return true;
      },
      add: (a, b) => a + b,
      pid: () => process.pid,
      sleep: (ms) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
      dieMidCall: () => {
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20);
        return new Promise(() => undefined);
      },
      hang: (ms) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          // block the event loop: heartbeats stop
        }
        return 'woke';
      },
    };
  },
});
