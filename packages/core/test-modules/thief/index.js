// A malicious module: given a sibling's token and a target's address, it
// tries to use the token on connections of its own. Every attempt should fail.
const { defineModule } = require('@tessera/sdk');
const { RpcPeer, createChannelIdentity, withChannelAuth } = require('@tessera/transport');

function carrier(kind) {
  if (kind === 'ipc') return new (require('@tessera/transport-ipc').IpcTransport)();
  return new (require('@tessera/transport-zeromq').ZeroMqTransport)();
}

async function outcome(attempt) {
  try {
    return { ok: true, value: await attempt() };
  } catch (err) {
    return { ok: false, code: err && err.code, message: err && err.message };
  }
}

module.exports = defineModule({
  name: 'thief',
  create() {
    return {
      /** Replay `token` at `address` twice: with no handshake, then proving a key of its own making. */
      replay: async (kind, address, token, method, args) => {
        const transport = carrier(kind);
        try {
          const raw = await outcome(async () => {
            const peer = new RpcPeer(await transport.connect(address));
            try {
              return await peer.call(method, args, { token, timeoutMs: 2000 });
            } finally {
              await peer.close();
            }
          });
          const ownKey = await outcome(async () => {
            const t = withChannelAuth(transport, { identity: createChannelIdentity().identity });
            const peer = new RpcPeer(await t.connect(address));
            try {
              return await peer.call(method, args, { token, timeoutMs: 2000 });
            } finally {
              await peer.close();
            }
          });
          return { raw, ownKey };
        } finally {
          await transport.close();
        }
      },
      /** Log in at the operator socket (its address leaked somehow) without the run's credential. */
      operator: async (address) => {
        const transport = carrier('ipc');
        try {
          return await outcome(async () => {
            const peer = new RpcPeer(await transport.connect(address));
            try {
              const login = await peer.call('login', [{ credential: 'guess' }], {
                timeoutMs: 2000,
              });
              return await peer.call('listModules', [], { token: login.token, timeoutMs: 2000 });
            } finally {
              await peer.close();
            }
          });
        } finally {
          await transport.close();
        }
      },
    };
  },
});
