export { DenialAggregator, DEFAULT_DENIAL_WINDOW_MS } from './denial-aggregator';
export {
  SECURITY_EVENT_KINDS,
  SECURITY_EVENT_SPEC,
  type GrantCause,
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityEventKind,
  type SecurityOutcome,
} from './security-event';
export {
  DEFAULT_RECENT_EVENTS,
  SecurityTrail,
  matchesFilter,
  type SecurityFilter,
  type SecurityTrailOptions,
} from './security-trail';
export { capabilityEvent, causeOf, lifecycleRecorder, watchPolicy } from './trail-sources';
export { deniedCall, wireTrail } from './wire-trail';
