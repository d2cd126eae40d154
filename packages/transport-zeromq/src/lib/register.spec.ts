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
    // Liveness tunables are checked, by their config path.
    expect(() => registry.create({ kind: 'zeromq', options: { heartbeatMisses: 1 } })).toThrow(
      /transport\.options\.heartbeatMisses must be a whole number from 2 to 100/,
    );
    expect(() =>
      registry.create({ kind: 'zeromq', options: { heartbeatIntervalMs: 2.5 } }),
    ).toThrow(/transport\.options\.heartbeatIntervalMs/);
    const tuned = registry.create({
      kind: 'zeromq',
      options: { heartbeatIntervalMs: 250, heartbeatMisses: 8 },
    });
    await tuned.close();
    expect(registry.kinds()).toContain('zeromq');
    await t.close();
    await c.dispose();
  });
});
