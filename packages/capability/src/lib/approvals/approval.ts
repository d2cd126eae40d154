/**
 * A request the policy answered with `allow: "ask"`, on hold until the
 * operator answers, as the operator sees it. Never a token.
 */
export interface PendingApproval {
  /** Short id the operator names it by (`tessera approve <id>`). */
  id: string;
  /**
   * Six digits from the CSPRNG, shown to the operator and in the requesting
   * module's log: an approval that names it (`--code`) proves which request it
   * means. Not a secret: it grants nothing by itself.
   */
  code: string;
  /** The caller, as its channel proved it. */
  caller: string;
  target: string;
  /** What the policy offers: an approval grants these or fewer, never more. */
  methods: string[];
  /** What the caller asked for (`[]`: whatever the policy grants). */
  requested: string[];
  /** The policy's TTL for the grant: an approval may shorten it, never lengthen it. */
  ttlSeconds: number;
  /** The policy's reason. */
  reason: string;
  /** When it was asked (ms since the epoch). */
  askedAt: number;
  /** When it is dropped if nobody answers (ms since the epoch); the caller's own timeout may come first. */
  expiresAt: number;
  /** The caller is hosted on another machine. */
  remote?: boolean;
}

/** How the operator approves a pending request; every field narrows, none widens. */
export interface ApproveOptions {
  /** The verification code the module logged; when given it must match. */
  code?: string;
  /** Grant only these (a non-empty subset of the offer). */
  methods?: string[];
  /** A shorter TTL than the policy's. */
  ttlSeconds?: number;
  /**
   * Allow the same caller → target request without asking again for this
   * long (while the policy keeps asking; a reload that denies still denies).
   */
  rememberForSeconds?: number;
}

/** What an approval or a denial did. */
export interface ApprovalOutcome {
  id: string;
  caller: string;
  target: string;
  /** `approved`: the methods the grant is issued for; `denied`: the ones asked. */
  methods: string[];
  outcome: 'approved' | 'denied';
  /** `approved`: the grant's TTL. */
  ttlSeconds?: number;
  /** `approved` with `rememberForSeconds`: until when the pair is approved without asking. */
  rememberedUntil?: number;
  /** `denied`: the operator's reason, as the caller gets it. */
  reason?: string;
}

/** What the requesting module is told while its request waits (its log shows it). */
export interface ApprovalNotice {
  id: string;
  code: string;
  target: string;
  methods: string[];
  reason: string;
}

/** Bounds on requests waiting for the operator. */
export interface ApprovalLimits {
  /** Requests one caller may have waiting at once; default 4. */
  perCaller: number;
  /** Requests waiting at once in all; default 64. */
  total: number;
  /** How long a request waits at most when its caller set no shorter timeout; default 300 000 ms. */
  maxWaitMs: number;
  /** The longest `rememberForSeconds` accepted; default 86 400 (24 h). */
  maxRememberSeconds: number;
  /** Wrong verification codes before the request is denied; default 5. */
  maxWrongCodes: number;
}

export const DEFAULT_APPROVAL_LIMITS: Readonly<ApprovalLimits> = Object.freeze({
  perCaller: 4,
  total: 64,
  maxWaitMs: 300_000,
  maxRememberSeconds: 86_400,
  maxWrongCodes: 5,
});

/**
 * Audit events of the ask flow: flat, with caller, target and methods on
 * top like `denied`; never a token.
 */
export type ApprovalEvent =
  | {
      kind: 'asked';
      id: string;
      code: string;
      caller: string;
      target: string;
      methods: string[];
      requested: string[];
      reason: string;
    }
  | {
      kind: 'approved';
      id: string;
      caller: string;
      target: string;
      methods: string[];
      ttlSeconds: number;
      /** `operator`: answered now; `remembered`: an earlier approval (`id`) covered it. */
      by: 'operator' | 'remembered';
      rememberForSeconds?: number;
    }
  | {
      kind: 'denied-by-operator';
      id: string;
      caller: string;
      target: string;
      methods: string[];
      reason: string;
    }
  | {
      /** Nobody answered: the caller gave up (timeout, cancel, its channel closed), the wait ran out, or a party went away. */
      kind: 'ask-withdrawn';
      id: string;
      caller: string;
      target: string;
      methods: string[];
      reason: string;
    };
