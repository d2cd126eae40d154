import { TesseraError } from '@tessera/protocol';
import { defineModule } from '@tessera/sdk';
import { EventLog, MAX_RECENT, type SeenEvent, type TamperOutcome, tryTamper } from './lib';

export type { SeenEvent, TamperOutcome } from './lib';

/** The audit module's methods, as a typed client sees them. */
export interface AuditApi {
  summary(): { total: number; bySource: Record<string, number> };
  recent(limit?: number): SeenEvent[];
  tryTamper(): Promise<TamperOutcome>;
  /**
   * Read note `id` from storage. audit's own grant on storage is only
   * `event:changed`: this works while notes has handed it `get`
   * (`notes.share('audit')`, delegation), and is refused otherwise.
   */
  readNote(id: string): Promise<unknown>;
}

/**
 * Watches `notes.noteAdded` and `storage.changed` (its dependencies are
 * loaded first, so it subscribes while it is created) and keeps counters
 * and the last {@link MAX_RECENT} events.
 */
export default defineModule<AuditApi>({
  name: 'audit',
  methods: ['summary', 'recent', 'tryTamper', 'readNote'],
  async create(ctx) {
    const log = new EventLog();
    await ctx.on('notes', 'noteAdded', (payload) => log.record('notes.noteAdded', payload));
    await ctx.on('storage', 'changed', (payload) => log.record('storage.changed', payload));
    return {
      summary: () => log.summary(),
      recent: (limit = 20) => {
        if (
          typeof limit !== 'number' ||
          !Number.isInteger(limit) ||
          limit < 1 ||
          limit > MAX_RECENT
        ) {
          throw TesseraError.invalidArgument(`limit must be an integer from 1 to ${MAX_RECENT}`, {
            argument: 'limit',
          });
        }
        return log.recent(limit);
      },
      tryTamper: () => tryTamper(ctx),
      readNote: (id) => {
        if (typeof id !== 'string' || id.length === 0 || id.length > 64)
          throw TesseraError.invalidArgument('id must be a note id', { argument: 'id' });
        return ctx.call('storage', 'get', [`note:${id}`]);
      },
    };
  },
});
