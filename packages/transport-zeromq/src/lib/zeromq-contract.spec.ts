import { describeChannelAuthContract, describeTransportContract } from '@tessera/transport/testing';
import { startChildServer } from '../testing/child-server';
import { generateKeyPair } from './curve/key-pair';
import { ZeroMqTransport } from './zeromq-transport';

// Both suites run the server in a real child process on the BUILT dist.
describeTransportContract('zeromq ipc://', () => ({
  client: () => new ZeroMqTransport(),
  startServer: () => startChildServer({}),
}));

describeTransportContract('zeromq tcp:// + CURVE', () => {
  const server = generateKeyPair();
  const client = generateKeyPair();
  return {
    client: () => new ZeroMqTransport({ curve: { ...client, serverKey: server.publicKey } }),
    startServer: () =>
      startChildServer({
        address: 'tcp://127.0.0.1:0',
        curve: server,
        clients: { [client.publicKey]: 'contract-client' },
      }),
  };
});

describeChannelAuthContract('zeromq ipc://', () => new ZeroMqTransport());
