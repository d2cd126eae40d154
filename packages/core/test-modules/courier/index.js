// Hands part of its own grants on to other modules through ctx.delegate, and
// calls other modules; both report refusals as outcomes rather than throwing.
const { defineModule } = require('@tessera/sdk');

async function outcome(attempt) {
  try {
    return { ok: true, value: await attempt() };
  } catch (err) {
    return { ok: false, code: err && err.code, message: err && err.message };
  }
}

module.exports = defineModule({
  name: 'courier',
  create(ctx) {
    return {
      /** ctx.delegate(target, {to, methods, ttlSeconds}). */
      delegate: (target, to, methods, ttlSeconds) =>
        outcome(() => ctx.delegate(target, { to, methods, ...(ttlSeconds ? { ttlSeconds } : {}) })),
      /** ctx.call(target, method, args). */
      callOn: (target, method, args) => outcome(() => ctx.call(target, method, args || [])),
    };
  },
});
