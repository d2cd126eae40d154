import { resolveToken } from '@tessera/protocol';
import { TRANSPORT_REGISTRY } from '@tessera/transport';
import { container } from 'tsyringe';
import { registerZeroMqTransport } from './register';
import { ZeroMqTransport } from './zeromq-transport';

describe('registerZeroMqTransport', () => {
  it('adds the zeromq kind and rejects unknown option keys by their config path', async () => {
    const c = container.createChildContainer();
    registerZeroMqTransport(c, { heartbeatIntervalMs: 500 });
    const registry = resolveToken(c, TRANSPORT_REGISTRY);
    const t = registry.create({ kind: 'zeromq', options: { maxFrameBytes: 4096 } });
    expect(t).toBeInstanceOf(ZeroMqTransport);
    expect(t.kind).toBe('zeromq');
    expect(() => registry.create({ kind: 'zeromq', options: { maxFrameSize: 1 } })).toThrow(
      /transport\.options\.maxFrameSize/,
    );
    expect(() =>
      registry.create({ kind: 'zeromq', options: { curve: { secretKey: 'x', serverkey: 'y' } } }),
    ).toThrow(/transport\.options\.curve\.serverkey/);
    expect(() => registry.create({ kind: 'zeromq', options: { curve: true } })).toThrow(
      /transport\.options\.curve/,
    );
    expect(registry.kinds()).toContain('zeromq');
    await t.close();
    await c.dispose();
  });
});
