// A module whose process can be made to die or hang mid-call, for supervision tests.
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'echo',
  events: ['beat'],
  create() {
    return {
      echo: (value) => value,
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
