/** An approval the operator asked to remember for a caller → target pair. */
export interface RememberedApproval {
  /** The request it was given for. */
  id: string;
  /** Until when (ms since the epoch). */
  until: number;
  /** What the operator approved: later requests get these or fewer. */
  methods: string[];
  ttlSeconds: number;
}

const MAX_REMEMBERED = 1024;
const pairOf = (caller: string, target: string): string => `${caller}\u0000${target}`;

/**
 * Approvals remembered per caller → target pair for a stated time, so the
 * same request is allowed without asking again. Only ever consulted when
 * the policy answers `ask`: a policy that now denies still denies. Bounded:
 * past {@link MAX_REMEMBERED} pairs the one running out first is dropped.
 */
export class RememberedApprovals {
  private readonly byPair = new Map<string, RememberedApproval>();

  remember(caller: string, target: string, approval: RememberedApproval): void {
    this.byPair.delete(pairOf(caller, target));
    if (this.byPair.size >= MAX_REMEMBERED) {
      let first: [string, RememberedApproval] | undefined;
      for (const e of this.byPair) if (!first || e[1].until < first[1].until) first = e;
      if (first) this.byPair.delete(first[0]);
    }
    this.byPair.set(pairOf(caller, target), { ...approval, methods: [...approval.methods] });
  }

  /** The pair's remembered approval, if it still holds at `now`. */
  recall(caller: string, target: string, now: number): RememberedApproval | undefined {
    const key = pairOf(caller, target);
    const found = this.byPair.get(key);
    if (found && now >= found.until) {
      this.byPair.delete(key);
      return undefined;
    }
    return found && { ...found, methods: [...found.methods] };
  }

  /** Forget the pair's approval (the operator revoked the pair); true when there was one. */
  forget(caller: string, target: string): boolean {
    return this.byPair.delete(pairOf(caller, target));
  }

  clear(): void {
    this.byPair.clear();
  }
}
