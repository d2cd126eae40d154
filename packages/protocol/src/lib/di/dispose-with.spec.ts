import 'reflect-metadata';
import { container } from 'tsyringe';
import { disposeWith } from './dispose-with';

describe('disposeWith', () => {
  it('releases the resource when (and only when) its container is disposed, once', async () => {
    const child = container.createChildContainer();
    const released: string[] = [];
    disposeWith(child, async () => {
      released.push('a');
    });
    disposeWith(child, () => void released.push('b'));
    expect(released).toEqual([]);
    const sibling = container.createChildContainer();
    await sibling.dispose();
    expect(released).toEqual([]);
    await child.dispose();
    expect(released.sort()).toEqual(['a', 'b']);
  });
});
