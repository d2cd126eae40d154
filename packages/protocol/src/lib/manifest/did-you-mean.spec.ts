import { closestName, editDistance } from './did-you-mean';

describe('closestName', () => {
  it('measures edits', () => {
    expect(editDistance('require', 'requires')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests near names, case-insensitively, and nothing for far ones', () => {
    expect(closestName('dependecies', ['name', 'dependencies', 'events'])).toBe('dependencies');
    expect(closestName('Transprt', ['modules', 'transport'])).toBe('transport');
    expect(closestName('colour', ['name', 'version', 'events'])).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });
});
