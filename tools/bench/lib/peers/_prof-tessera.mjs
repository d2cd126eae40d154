// Tessera as the bench measures it against its peers: an app with the echo
// and relay test modules on one carrier, every call carrying a policy-issued
// token that the target's door checks.
//   bench -> module:  this process is an identity of its own ("bench"), proves
//                     its key in the channel handshake and calls echo.echo.
//   module -> module: relay.loop() calls echo.echo through relay's SDK client
//                     (cached token) and times itself, in relay's process.
// `inproc` runs both modules in this process; `ipc` and `zeromq` each in its
// own sandboxed host process.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
const { StaticPolicyEngine } = require('@tessera/policy/testing');
const {
  RpcPeer,
  TRANSPORT_REGISTRY,
  channelIdentityFrom,
  createChannelIdentity,
  withChannelAuth,
} = require('@tessera/transport');

/** A module package by npm name; in-process hosts run its definition, process hosts its entry. */
const entry = (pkg, name, extra = {}) => ({
  packageName: pkg,
  entryPath: require.resolve(pkg),
  definition: require(pkg),
  manifest: { name, ...extra },
});

/** Start echo + relay on `kind` (inproc, ipc, zeromq). */
export async function tesseraApp(kind) {
  const benchKey = createChannelIdentity().secret;
  const policy = new StaticPolicyEngine([
    ...['echo', 'relay'].map((caller) => ({
      caller,
      target: 'core',
      methods: [...CORE_MODULE_METHODS],
    })),
    { caller: 'relay', target: 'echo', methods: ['echo'] },
    { caller: 'bench', target: 'echo', methods: ['echo'] },
    { caller: 'bench', target: 'relay', methods: ['loop'] },
  ]);
  const app = await createTessera({
    isolation: kind === 'inproc' ? 'in-process' : 'process',
    transport: { kind },
    policy, sandbox: process.env.SB ?? 'auto',
    identities: [{ name: 'bench', provides: {}, requires: [] }],
    identityKeys: { bench: benchKey },
  });
  const closers = [() => app.close()];
  try {
    await app.core.load([
      entry('@tessera-test/echo', 'echo'),
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
    ]);
    const transport = withChannelAuth(app.container.resolve(TRANSPORT_REGISTRY).create({ kind }), {
      identity: channelIdentityFrom(benchKey),
      owns: true,
    });
    closers.unshift(() => transport.close());
    // Tokens before dialing: the handshake admits only keys that hold a grant.
    const echoToken = (await app.core.issueToken('bench', 'echo', [])).token;
    const relayToken = (await app.core.issueToken('bench', 'relay', [])).token;
    const dial = async (name) => {
      const peer = new RpcPeer(await transport.connect(app.core.module(name).address), {
        defaultTimeoutMs: 600_000,
      });
      closers.unshift(() => peer.close());
      return peer;
    };
    const echo = await dial('echo');
    const relay = await dial('relay');
    const echoOpts = { token: echoToken };
    const relayOpts = { token: relayToken, timeoutMs: 600_000 };
    const call = (payload) => echo.call('echo', [payload], echoOpts);
    // The check is real: a forged token is refused before the module runs.
    const forged = await echo.call('echo', [1], { token: 'x'.repeat(45) }).then(
      () => 'RESOLVED',
      (e) => e.code,
    );
    if (forged === 'RESOLVED') throw new Error(`${kind}: a forged token was accepted`);
    return {
      call,
      /** relay -> echo through the SDK, `n` calls, `inflight` at a time, timed inside relay. */
      loop: (n, inflight, payload) => relay.call('loop', [n, inflight, payload], relayOpts),
      pids: kind === 'inproc' ? [] : ['echo', 'relay'].map((m) => app.core.module(m).host.pid),
      close: async () => {
        for (const c of closers) await c();
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => undefined);
    throw err;
  }
}
