import { TesseraError } from '@tessera/protocol';
import { type ModuleApi, defineModule } from '@tessera/sdk';
// Their registry entries: ctx.on('notes', 'noteAdded', …) and ctx.on('storage', 'changed', …) are typed.
import type {} from '@tessera-demo/notes';
import type {} from '@tessera-demo/storage';
import { EventLog, MAX_RECENT, tryTamper } from './lib';

export type { SeenEvent, TamperOutcome } from './lib';

/**
 * Watches `notes.noteAdded` and `storage.changed` (its dependencies are
 * loaded first, so it subscribes while it is created) and keeps counters
 * and the last {@link MAX_RECENT} events.
 */
const audit = defineModule({
  name: 'audit',
  methods: ['summary', 'recent', 'tryTamper', 'readNote'],
  async create(ctx) {
    const log = new EventLog();
    await ctx.on('notes', 'noteAdded', (added) => log.record('notes.noteAdded', added));
    await ctx.on('storage', 'changed', (change) => log.record('storage.changed', change));
    return {
      summary: () => log.summary(),
      recent: (limit: number = 20) => {
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
      /**
       * Read note `id` from storage. audit's own grant on storage is only
       * `event:changed`: this works while notes has handed it `get`
       * (`notes.share('audit')`, delegation), and is refused otherwise.
       */
      readNote: (id: string): Promise<unknown> => {
        if (typeof id !== 'string' || id.length === 0 || id.length > 64)
          throw TesseraError.invalidArgument('id must be a note id', { argument: 'id' });
        return ctx.call('storage', 'get', [`note:${id}`]);
      },
    };
  },
});
export default audit;

/** The audit module's methods, as a typed client sees them: inferred from the definition. */
export type AuditApi = ModuleApi<typeof audit>;

declare module '@tessera/sdk' {
  interface TesseraModules {
    audit: AuditApi;
  }
}
