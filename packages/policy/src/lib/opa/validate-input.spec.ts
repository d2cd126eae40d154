import { validatePolicyInput } from './validate-input';

const facts = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  provides: {},
  requires: [],
  ...extra,
});
const input = (subject: unknown, target: unknown = facts('storage')) => ({
  subject,
  target,
  methods: [],
  context: { time: '2026-01-01T00:00:00Z', purpose: 'request' },
});

describe('validatePolicyInput: the remote mark', () => {
  it('accepts subject.remote true or false, and its absence (local modules)', () => {
    expect(validatePolicyInput(input(facts('notes', { remote: true })))).toEqual([]);
    expect(validatePolicyInput(input(facts('notes', { remote: false })))).toEqual([]);
    expect(validatePolicyInput(input(facts('notes')))).toEqual([]);
    expect(validatePolicyInput(input(facts('notes'), facts('storage', { remote: true })))).toEqual(
      [],
    );
  });

  it('refuses a remote mark that is not a boolean, naming the field', () => {
    expect(validatePolicyInput(input(facts('notes', { remote: 'yes' })))).toEqual([
      'subject.remote must be a boolean when present',
    ]);
    expect(validatePolicyInput(input(facts('notes'), facts('storage', { remote: 1 })))).toEqual([
      'target.remote must be a boolean when present',
    ]);
  });
});
