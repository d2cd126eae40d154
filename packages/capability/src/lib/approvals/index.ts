export {
  DEFAULT_APPROVAL_LIMITS,
  type ApprovalEvent,
  type ApprovalLimits,
  type ApprovalNotice,
  type ApprovalOutcome,
  type ApproveOptions,
  type PendingApproval,
} from './approval';
export {
  OperatorApprovals,
  type AskFacts,
  type OperatorApprovalsOptions,
} from './operator-approvals';
