// A module that throws framework errors made by its own copy of @tessera/protocol
// (the test installs one in ./node_modules), as a module developed beside an app does.
const { defineModule } = require('@tessera/sdk');
const twin = require('@tessera/protocol');

module.exports = defineModule({
  name: 'twin',
  create: () => ({
    /** Throws a framework error of `code`, made by the twin copy. */
    fail: (code) => {
      throw new twin.TesseraError(code, `twin says ${code}`, { from: 'twin' });
    },
    /** Throws something that is not a framework error. */
    crash: () => {
      throw new TypeError('twin crashed');
    },
    /** Which copy of the protocol this module loaded. */
    whose: () => require.resolve('@tessera/protocol'),
  }),
});
