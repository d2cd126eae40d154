import { container } from 'tsyringe';
import { ErrorCode, resolveToken } from '@tessera/protocol';
import { TRANSPORT_REGISTRY } from '@tessera/transport';
import { IpcTransport } from './ipc-transport';
import { registerIpcTransport } from './register';

describe('registerIpcTransport', () => {
  const c = container.createChildContainer();
  registerIpcTransport(c, { runtimeDir: '/tmp/default-dir' });
  const registry = resolveToken(c, TRANSPORT_REGISTRY);
  afterAll(() => c.dispose());

  it('adds kind ipc; config options override the registered defaults', () => {
    const plain = registry.create({ kind: 'ipc' });
    expect(plain).toBeInstanceOf(IpcTransport);
    expect(plain.kind).toBe('ipc');
    expect((plain as IpcTransport).runtimeDir).toBe('/tmp/default-dir');
    const custom = registry.create({
      kind: 'ipc',
      options: { runtimeDir: '/tmp/other', maxFrameBytes: 1024, connectTimeoutMs: 100 },
    }) as IpcTransport;
    expect(custom.runtimeDir).toBe('/tmp/other');
  });

  it('rejects an unknown option key, naming the field', () => {
    expect(() => registry.create({ kind: 'ipc', options: { maxFrameSize: 10 } })).toThrow(
      expect.objectContaining({
        code: ErrorCode.INVALID_ARGUMENT,
        message: expect.stringContaining('transport.options.maxFrameSize'),
        data: { field: 'transport.options.maxFrameSize' },
      }),
    );
    expect(() => registry.create({ kind: 'ipc', options: { logger: {} } })).toThrow(
      /transport\.options\.logger/,
    );
  });

  it('rejects wrongly typed values, naming the field', () => {
    const bad: [string, unknown][] = [
      ['runtimeDir', 'relative/dir'],
      ['runtimeDir', 42],
      ['maxFrameBytes', 0],
      ['maxFrameBytes', 2 ** 33],
      ['maxFrameBytes', '16MB'],
      ['connectTimeoutMs', -1],
      ['connectTimeoutMs', 1.5],
    ];
    for (const [key, value] of bad) {
      expect(() => registry.create({ kind: 'ipc', options: { [key]: value } })).toThrow(
        `transport.options.${key}`,
      );
    }
  });
});
