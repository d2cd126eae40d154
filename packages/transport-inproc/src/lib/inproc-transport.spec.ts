import {
  describeChannelAuthContract,
  describeTransportContract,
  serveContract,
} from '@tessera/transport/testing';
import { container } from 'tsyringe';
import { TRANSPORT_REGISTRY } from '@tessera/transport';
import { ErrorCode, TesseraError, resolveToken } from '@tessera/protocol';
import { InProcHub } from './inproc-hub';
import { InProcTransport, killInProcListener } from './inproc-transport';
import { registerInProcTransport } from './register';

describeTransportContract('inproc', () => {
  const hub = new InProcHub();
  return {
    client: () => new InProcTransport({ hub }),
    startServer: async () => {
      const transport = new InProcTransport({ hub });
      const listener = await serveContract(transport);
      return {
        address: listener.address,
        stop: () => transport.close(),
        kill: async () => killInProcListener(listener),
      };
    },
  };
});

describe('inproc transport', () => {
  it('refuses to connect to an address nobody listens on', async () => {
    const t = new InProcTransport({ hub: new InProcHub() });
    await expect(t.connect('inproc://nobody')).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
    });
  });

  it('refuses a second listener on the same address and a foreign scheme', async () => {
    const t = new InProcTransport({ hub: new InProcHub() });
    await t.listen('inproc://one', () => undefined);
    await expect(t.listen('inproc://one', () => undefined)).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(t.listen('tcp://x', () => undefined)).rejects.toBeInstanceOf(TesseraError);
    await t.close();
  });

  it('is selected by kind through the registry, and an unknown kind is an error naming the known ones', () => {
    const c = container.createChildContainer();
    registerInProcTransport(c);
    const registry = resolveToken(c, TRANSPORT_REGISTRY);
    expect(registry.create({ kind: 'inproc' }).kind).toBe('inproc');
    expect(() => registry.create({ kind: 'carrier-pigeon' })).toThrow(
      /unknown; known kinds: inproc/,
    );
    void c.dispose();
  });
});

const channelHub = new InProcHub();
describeChannelAuthContract('inproc', () => new InProcTransport({ hub: channelHub }));
