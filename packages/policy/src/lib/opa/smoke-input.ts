import type { PolicyInput } from '../policy-engine';

/**
 * The fixed input a new bundle must answer with a valid decision before it
 * replaces the policy in force. Its value (allow or deny) does not matter;
 * its shape does.
 */
export const SMOKE_INPUT: PolicyInput = Object.freeze({
  subject: { name: 'tessera-smoke-caller', provides: {}, requires: ['tessera-smoke'] },
  target: { name: 'tessera-smoke-target', provides: { 'tessera-smoke': ['ping'] }, requires: [] },
  methods: [],
  context: { time: '1970-01-01T00:00:00.000Z', purpose: 'request' },
}) as PolicyInput;
