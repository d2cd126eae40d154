export { childExpiry, childMethods, delegationProblem, type DelegationAsk } from './attenuate';
export { childTerms, intersectPatterns } from './attenuate-terms';
export { DelegationTree } from './delegation-tree';
export type { Delegation, DelegationRequest, HandedOverGrant } from './delegation-request';
