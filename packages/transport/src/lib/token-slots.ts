import { TOKEN_SLOTS } from '@tessera/protocol';

/**
 * Slots a sender uses per connection. A caller holds one token per target
 * (renewed now and then), so a handful covers it; the rest of the
 * receiver's {@link TOKEN_SLOTS} is headroom, never needed.
 */
export const OUTBOUND_TOKEN_SLOTS = 16;

/**
 * The sending side of token slots on one connection: a token's first call
 * binds it to a slot (`[slot, token]` on the wire), later calls name the
 * slot (one byte instead of 45 characters to encode, and a string fewer for
 * the receiver to decode). When every slot is taken the oldest binding is
 * replaced, so a sender cycling through more tokens still works, each call
 * then binding again. The receiver checks the token a slot names on every
 * call, exactly as if it had been sent in full.
 */
export class OutboundTokenSlots {
  private readonly slotOf = new Map<string, number>();
  private readonly tokens: (string | undefined)[] = new Array<string | undefined>(
    OUTBOUND_TOKEN_SLOTS,
  ).fill(undefined);
  private next = 0;

  /** The slot `token` is bound to, if it is. */
  slot(token: string): number | undefined {
    return this.slotOf.get(token);
  }

  /** Bind `token` to the next slot (replacing the oldest binding) and return it. */
  bind(token: string): number {
    const slot = this.next;
    this.next = (slot + 1) % OUTBOUND_TOKEN_SLOTS;
    const old = this.tokens[slot];
    if (old !== undefined) this.slotOf.delete(old);
    this.tokens[slot] = token;
    this.slotOf.set(token, slot);
    return slot;
  }

  /** The frame that bound `slot` never left: the receiver does not know it. */
  unbind(slot: number): void {
    const token = this.tokens[slot];
    if (token === undefined) return;
    this.slotOf.delete(token);
    this.tokens[slot] = undefined;
  }
}

/**
 * The receiving side: the token each slot was last bound to by this
 * connection's peer. At most {@link TOKEN_SLOTS} tokens of at most
 * `MAX_SLOT_TOKEN_CHARS` characters (the decoder refuses anything
 * else), so a peer can make it hold 64 KiB at worst.
 */
export class InboundTokenSlots {
  private readonly tokens: (string | undefined)[] = new Array<string | undefined>(TOKEN_SLOTS).fill(
    undefined,
  );

  bind(slot: number, token: string): void {
    this.tokens[slot] = token;
  }

  /** The token `slot` names, or `undefined` when the peer never bound it. */
  token(slot: number): string | undefined {
    return this.tokens[slot];
  }
}
