import type { ModuleFacts, PolicyInput } from '../../src';

export const notes: ModuleFacts = { name: 'notes', provides: {}, requires: ['kv-read'] };
export const storage: ModuleFacts = {
  name: 'storage',
  provides: { 'kv-read': ['get', 'list', 'event:changed'], 'kv-write': ['set'] },
  requires: [],
};
export const mail: ModuleFacts = { name: 'mail', provides: {}, requires: ['smtp'] };

export function request(
  subject: ModuleFacts,
  target: ModuleFacts,
  methods: string[] = [],
): PolicyInput {
  return {
    subject,
    target,
    methods,
    context: { time: new Date(0).toISOString(), purpose: 'request' },
  };
}
