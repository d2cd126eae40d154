import { paramNames } from './param-names';

describe('paramNames', () => {
  it('reads the parameters of every function form', () => {
    function classic(a: number, b = 2) {
      return a + b;
    }
    const arrow = (x: string, y: string) => x + y;
    const single = (z: number) => z;
    const obj = {
      method(key: string, /* comment, with comma */ value: unknown) {
        return [key, value];
      },
      async am(q: number) {
        return q;
      },
    };
    expect(paramNames(classic)).toEqual(['a', 'b']);
    expect(paramNames(arrow)).toEqual(['x', 'y']);
    expect(paramNames(single)).toEqual(['z']);
    expect(paramNames(obj.method)).toEqual(['key', 'value']);
    expect(paramNames(obj.am)).toEqual(['q']);
    expect(paramNames(() => 1)).toEqual([]);
    expect(paramNames((...rest: number[]) => rest)).toEqual(['...rest']);
    expect(paramNames(({ a }: { a: number }, [b]: number[]) => a + (b ?? 0))).toEqual([
      'arg0',
      'arg1',
    ]);
  });
});
