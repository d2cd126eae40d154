// Calls echo from its own process, through its SDK client.
const { defineModule } = require('@tessera/sdk');

module.exports = defineModule({
  name: 'relay',
  create(ctx) {
    const echo = ctx.client('echo');
    return {
      relay: (value) => echo.echo(value),
      relayDie: () => echo.dieMidCall(),
      whoAmI: async () => ({ relay: process.pid, echo: await echo.pid() }),
    };
  },
});
