import { type ModuleApi, defineModule } from '@tessera/sdk';
import type {} from '@tessera-demo/storage'; // its registry entry: ctx.client('storage') is typed
import { type NoteAdded, NotesService } from './lib';

export type { Note, NoteAdded } from './lib';

/** audit's `summary()`, as notes reads it. */
export interface AuditSummary {
  total: number;
  bySource: Record<string, number>;
}

/** Notes stored through the storage module; emits `noteAdded` ({@link NoteAdded}). */
const notes = defineModule({
  name: 'notes',
  events: [{ name: 'noteAdded', params: ['id', 'title'] }],
  methods: ['add', 'get', 'list', 'remove', 'activity', 'share'],
  create(ctx) {
    const service = new NotesService(ctx.client('storage'), (e) => ctx.emit('noteAdded', e));
    // audit is not a dependency of notes (it depends on notes): typed by hand, the back-compat way.
    const audit = ctx.client<{ summary(): AuditSummary }>('audit');
    return {
      add: (title: string, body: string) => service.add(title, body),
      get: (id: string) => service.get(id),
      list: () => service.list(),
      remove: (id: string) => service.remove(id),
      /**
       * What audit has seen, read from audit: the demo policy makes this
       * request wait for the operator's approval (data.tessera.ask).
       */
      activity: () => audit.summary(),
      /**
       * Hand `to` read access (`get`) to storage, out of notes' own grant
       * (ctx.delegate): the policy must consent (data.tessera.delegation), and
       * it ends when notes' grant does.
       */
      share: async (to: string) => {
        await service.list(); // notes' own grant on storage, which it hands part of
        return ctx.delegate('storage', { to, methods: ['get'] });
      },
    };
  },
});
export default notes;

/** The notes module's methods, as a typed client sees them: inferred from the definition. */
export type NotesApi = ModuleApi<typeof notes>;

declare module '@tessera/sdk' {
  interface TesseraModules {
    notes: NotesApi;
  }
  interface TesseraEvents {
    notes: { noteAdded: NoteAdded };
  }
}
