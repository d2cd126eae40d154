/** A grant as the capability module tracks it (no secret: only the token id). */
export interface LiveGrant {
  /** Token id (the public half); never the secret. */
  id: string;
  caller: string;
  target: string;
  methods: string[];
  expiresAt: number;
  generation: number;
  issuedAt: number;
  reason: string;
  /** The caller host's public carrier key the token is bound to (public, not a secret). */
  callerKey?: string;
  /** Issued to the operator identity (its channel said so); re-evaluated the same way. */
  operator?: boolean;
}

/** What `requestModule` returns to the caller. */
export interface IssuedToken {
  token: string;
  methods: string[];
  expiresAt: number;
  generation: number;
}

/** Audit events the capability module emits. No tokens, only token ids. */
export type CapabilityEvent =
  | { kind: 'granted'; grant: LiveGrant }
  | { kind: 'denied'; caller: string; target: string; methods: string[]; reason: string }
  | { kind: 'revoked'; grant: LiveGrant; reason: string }
  | { kind: 'narrowed'; grant: LiveGrant; from: string[] };
