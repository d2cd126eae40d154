import { defineModule, specOf } from './define-module';

const instance = {
  get: (key: string) => key,
  copy: (from: string, to: string) => [from, to],
  list: () => [],
};

describe('resource parameters (defineModule / specOf)', () => {
  it('marks them on the spec, from the definition and the manifest alike', () => {
    const def = defineModule({ name: 'kv', resources: { get: 'key' }, create: () => instance });
    expect(specOf(def, instance, { copy: ['from', 'to'] }).methods).toEqual([
      { name: 'get', params: ['key'], resources: ['key'] },
      { name: 'copy', params: ['from', 'to'], resources: ['from', 'to'] },
      { name: 'list', params: [] },
    ]);
    // Both naming the same parameter: once.
    expect(specOf(def, instance, { get: ['key'] }).methods[0]).toEqual({
      name: 'get',
      params: ['key'],
      resources: ['key'],
    });
  });

  it('refuses a malformed declaration, and a resource of a method the module does not expose', () => {
    expect(() =>
      defineModule({ name: 'kv', resources: { get: 'the key' }, create: () => instance }),
    ).toThrow('module kv: resources.get must name 1 to 8 parameters of method get');
    expect(() =>
      defineModule({ name: 'kv', resources: { constructor: 'key' }, create: () => instance }),
    ).toThrow('module kv: resources.constructor must name 1 to 8 parameters');
    const def = defineModule({ name: 'kv', methods: ['get'], create: () => instance });
    expect(() => specOf(def, instance, { list: ['prefix'] })).toThrow(
      "module kv: resources name method 'list', which the module does not expose",
    );
  });
});
