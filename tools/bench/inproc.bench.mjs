// Authenticated in-process call vs a plain `await` of a method found in a Map.
// Same process, same run: the ratio is what counts, not the absolute figure.
//   npm run bench -- inproc
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
const { defineModule } = require('@tessera/sdk');
const { StaticPolicyEngine } = require('@tessera/policy/testing');

const N = Number(process.env.BENCH_CALLS ?? 1_000_000);
const IN_FLIGHT = 64;
const BUDGET = 6;

/** Runs `n` calls of `fn`, either one at a time or with `inflight` outstanding. */
async function drive(fn, n, inflight) {
  const t0 = process.hrtime.bigint();
  if (inflight === 1) {
    for (let i = 0; i < n; i++) await fn(i);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < n) await fn(next++);
    };
    await Promise.all(Array.from({ length: inflight }, lane));
  }
  return Number(process.hrtime.bigint() - t0);
}

const target = defineModule({ name: 'target', create: () => ({ echo: (x) => x }) });
const driver = defineModule({
  name: 'driver',
  create(ctx) {
    const t = ctx.client('target');
    return { run: (n, inflight) => drive((i) => t.echo(i), n, inflight) };
  },
});

const policy = new StaticPolicyEngine([
  ...['target', 'driver', 'bench'].map((caller) => ({
    caller,
    target: 'core',
    methods: [...CORE_MODULE_METHODS],
  })),
  { caller: 'driver', target: 'target', methods: ['echo'] },
  { caller: 'bench', target: 'driver', methods: ['run'] },
]);
const {
  createChannelIdentity,
  channelIdentityFrom,
  withChannelAuth,
} = require('@tessera/transport');
// The bench process is an identity of its own, with a key it proves in the channel handshake.
const benchKey = createChannelIdentity().secret;
const app = await createTessera({
  policy,
  identities: [{ name: 'bench', provides: {}, requires: [] }],
  identityKeys: { bench: benchKey },
  modules: [
    { manifest: { name: 'target' }, definition: target },
    { manifest: { name: 'driver', dependencies: ['target'] }, definition: driver },
  ],
});
// The bench process acts as an operator holding a grant for driver.run.
const { token } = await app.core.issueToken('bench', 'driver', []);
const { TRANSPORT_REGISTRY } = require('@tessera/transport');
const { RpcPeer } = require('@tessera/transport');
const transport = withChannelAuth(
  app.container.resolve(TRANSPORT_REGISTRY).create({ kind: 'inproc' }),
  { identity: channelIdentityFrom(benchKey), owns: true },
);
const addr = app.core.listModules().find((m) => m.name === 'driver').address;
const peer = new RpcPeer(await transport.connect(addr), { defaultTimeoutMs: 600_000 });
const authenticated = (n, inflight) =>
  peer.call('run', [n, inflight], { token, timeoutMs: 600_000 });

const plainMap = new Map([['echo', async (x) => x]]);
const plain = (n, inflight) => drive((i) => plainMap.get('echo')(i), n, inflight);

const rows = [];
for (const inflight of [1, IN_FLIGHT]) {
  await authenticated(Math.min(N, 100_000), inflight); // warm-up
  await plain(Math.min(N, 100_000), inflight);
  const best = { auth: Infinity, plain: Infinity };
  for (let r = 0; r < 3; r++) {
    best.auth = Math.min(best.auth, await authenticated(N, inflight));
    best.plain = Math.min(best.plain, await plain(N, inflight));
  }
  const authRate = (N / best.auth) * 1e9;
  const plainRate = (N / best.plain) * 1e9;
  rows.push({
    'in flight': inflight,
    'authenticated calls/s': Math.round(authRate).toLocaleString('en-US'),
    'plain calls/s': Math.round(plainRate).toLocaleString('en-US'),
    'ns/call auth': (best.auth / N).toFixed(0),
    'ns/call plain': (best.plain / N).toFixed(0),
    'cost ratio (auth/plain)': (plainRate / authRate).toFixed(2),
    [`within ${BUDGET}x`]: plainRate / authRate <= BUDGET ? 'yes' : 'NO',
  });
}
console.log(
  `in-process authenticated call vs plain await of a Map method, ${N.toLocaleString('en-US')} calls, best of 3`,
);
console.table(rows);
await peer.close();
await transport.close();
await app.close();
