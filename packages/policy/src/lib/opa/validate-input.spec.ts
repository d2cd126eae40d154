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

describe('validatePolicyInput: the delegation chain', () => {
  const delegated = (delegation: unknown, purpose = 'delegate') => ({
    ...input(facts('audit')),
    ...(delegation === undefined ? {} : { delegation }),
    context: { time: '2026-01-01T00:00:00Z', purpose },
  });

  it('accepts {from, chain} ending with from, on delegate and on reevaluate', () => {
    expect(validatePolicyInput(delegated({ from: 'notes', chain: ['notes'] }))).toEqual([]);
    expect(validatePolicyInput(delegated({ from: 'b', chain: ['a', 'b'] }, 'reevaluate'))).toEqual(
      [],
    );
  });

  it('refuses a delegate purpose without a delegation, and a delegation on a plain request', () => {
    expect(validatePolicyInput(delegated(undefined))).toEqual([
      'context.purpose "delegate" needs input.delegation',
    ]);
    expect(validatePolicyInput(delegated({ from: 'a', chain: ['a'] }, 'request'))).toEqual([
      'input.delegation is not allowed on a "request"',
    ]);
  });

  it('refuses malformed chains: empty, too long, not ending with from, not strings', () => {
    const chain = 'delegation.chain must list 1 to 4 module names';
    expect(validatePolicyInput(delegated({ from: 'a', chain: [] }))).toEqual([chain]);
    expect(validatePolicyInput(delegated({ from: 'e', chain: ['a', 'b', 'c', 'd', 'e'] }))).toEqual(
      [chain],
    );
    expect(validatePolicyInput(delegated({ from: 'a', chain: [1] }))).toEqual([chain]);
    expect(validatePolicyInput(delegated({ from: 'a', chain: ['b'] }))).toEqual([
      'delegation.chain must end with from',
    ]);
    expect(validatePolicyInput(delegated({ from: '', chain: ['a'] }))).toEqual([
      'delegation.from must be a module name',
      'delegation.chain must end with from',
    ]);
    expect(validatePolicyInput(delegated('notes'))).toEqual([
      'delegation must be an object {from, chain}',
    ]);
  });
});
