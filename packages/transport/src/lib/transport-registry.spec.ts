import 'reflect-metadata';
import { container } from 'tsyringe';
import type { Transport } from './connection';
import { registerTransportRegistry } from './register';

describe('TransportRegistry and container.dispose()', () => {
  it('closes every transport it created when its container is disposed', async () => {
    const child = container.createChildContainer();
    const registry = registerTransportRegistry(child);
    const closed: string[] = [];
    registry.add('fake', (options) => {
      const name = String(options['name']);
      return {
        kind: 'fake',
        listen: async () => {
          throw new Error('unused');
        },
        connect: async () => {
          throw new Error('unused');
        },
        close: async () => void closed.push(name),
      } satisfies Transport;
    });
    registry.create({ kind: 'fake', options: { name: 'a' } });
    registry.create({ kind: 'fake', options: { name: 'b' } });
    expect(closed).toEqual([]);
    expect(registerTransportRegistry(child)).toBe(registry); // one registry per container
    await child.dispose();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
