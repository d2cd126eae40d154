import { hostname } from 'node:os';
import type { AuditSink } from '@tessera/policy';
import {
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityOutcome,
  boundEvent,
} from './security-event';

/** Events the trail keeps in memory for `auditEvents` (older ones are in the file). */
export const DEFAULT_RECENT_EVENTS = 1000;

export interface SecurityTrailOptions {
  /** The node id on every line; default `<hostname>:<pid>`. */
  node?: string;
  /** Where lines go (a rotating JSON-lines file); none: memory and subscribers only. */
  sink?: AuditSink<SecurityEvent>;
  /** Close the sink with the trail (it was made for it). */
  closeSink?: boolean;
  /** How many recent events `recent()` can return; default {@link DEFAULT_RECENT_EVENTS}. */
  recent?: number;
  now?: () => number;
}

/** Which events `recent()` returns. */
export interface SecurityFilter {
  /** At most this many, the newest (default 100). */
  limit?: number;
  /** Only after this `seq` (a follower resuming). */
  after?: number;
  /** A kind (`grant.revoked`) or an area (`grant`). */
  kind?: string;
  /** Events whose subject or target is this module. */
  module?: string;
  outcome?: SecurityOutcome;
}

/** True when `e` passes `f` (the CLI filters the followed stream with the same rule). */
export function matchesFilter(e: SecurityEvent, f: Omit<SecurityFilter, 'limit'>): boolean {
  if (f.after !== undefined && e.seq <= f.after) return false;
  if (f.kind !== undefined && e.kind !== f.kind && !e.kind.startsWith(`${f.kind}.`)) return false;
  if (f.module !== undefined && e.subject !== f.module && e.target !== f.module) return false;
  return f.outcome === undefined || e.outcome === f.outcome;
}

/**
 * The core's one stream of security events: every source (the capability
 * module, the doors, lifecycle, the operator endpoint, remote admission,
 * the policy engine) records here; each event gets a sequence number, the
 * time and the node, is bounded, kept in a ring for `recent()`, written to
 * the sink (one JSON line) and handed to subscribers (`tessera audit
 * --follow`, the dashboard). A failing sink or listener never stops a source.
 */
export class SecurityTrail {
  private readonly ring: SecurityEvent[] = [];
  private readonly listeners = new Set<(e: SecurityEvent) => void>();
  private readonly node: string;
  private readonly size: number;
  private readonly now: () => number;
  private seq = 0;
  private closed = false;

  constructor(private readonly options: SecurityTrailOptions = {}) {
    this.node = options.node ?? `${hostname()}:${process.pid}`;
    this.size = Math.max(1, options.recent ?? DEFAULT_RECENT_EVENTS);
    this.now = options.now ?? Date.now;
  }

  record(input: SecurityEventInput): SecurityEvent | undefined {
    if (this.closed) return undefined;
    const e: SecurityEvent = {
      seq: ++this.seq,
      time: new Date(this.now()).toISOString(),
      node: this.node,
      ...boundEvent(input),
    };
    this.ring.push(e);
    if (this.ring.length > this.size) this.ring.splice(0, this.ring.length - this.size);
    try {
      this.options.sink?.write(e);
    } catch {
      // the sink reports its own errors
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a subscriber must not stop the trail
      }
    }
    return e;
  }

  /** Recent events passing `filter`, oldest first, at most `filter.limit` (default 100). */
  recent(filter: SecurityFilter = {}): SecurityEvent[] {
    const limit = Math.max(0, Math.min(filter.limit ?? 100, this.size));
    const out = this.ring.filter((e) => matchesFilter(e, filter));
    return out.slice(Math.max(0, out.length - limit));
  }

  /** Every event from now on; returns an unsubscribe. */
  on(listener: (e: SecurityEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    if (this.options.closeSink) await this.options.sink?.close();
  }
}
