import { type DelegatedGrant, defineModule } from '@tessera/sdk';
import { type KvClient, type Note, NotesService } from './lib';

export type { Note, NoteAdded } from './lib';

/** The notes module's methods, as a typed client sees them. */
export interface NotesApi {
  add(title: string, body: string): Promise<Note>;
  get(id: string): Promise<Note>;
  list(): Promise<Note[]>;
  remove(id: string): Promise<boolean>;
  /**
   * What audit has seen, read from audit: the demo policy makes this
   * request wait for the operator's approval (data.tessera.ask).
   */
  activity(): Promise<AuditSummary>;
  /**
   * Hand `to` read access (`get`) to storage, out of notes' own grant
   * (ctx.delegate): the policy must consent (data.tessera.delegation), and
   * it ends when notes' grant does.
   */
  share(to: string): Promise<DelegatedGrant>;
}

/** audit's `summary()`, as notes reads it. */
export interface AuditSummary {
  total: number;
  bySource: Record<string, number>;
}

/** Notes stored through the storage module; emits `noteAdded` ({@link NoteAdded}). */
export default defineModule<NotesApi>({
  name: 'notes',
  events: [{ name: 'noteAdded', params: ['id', 'title'] }],
  methods: ['add', 'get', 'list', 'remove', 'activity', 'share'],
  create(ctx) {
    const kv = ctx.client<KvClient>('storage');
    const notes = new NotesService(kv, (e) => ctx.emit('noteAdded', e));
    const audit = ctx.client<{ summary(): AuditSummary }>('audit');
    return {
      add: (title, body) => notes.add(title, body),
      get: (id) => notes.get(id),
      list: () => notes.list(),
      remove: (id) => notes.remove(id),
      activity: () => audit.summary(),
      share: async (to) => {
        await notes.list(); // notes' own grant on storage, which it hands part of
        return ctx.delegate('storage', { to, methods: ['get'] });
      },
    };
  },
});
