// A module whose process can be made to die or hang mid-call, for supervision tests.
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'echo',
  events: ['beat'],
  create(ctx) {
    return {
      echo: (value) => value,
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
