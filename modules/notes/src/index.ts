import { defineModule } from '@tessera/sdk';
import { type KvClient, type Note, NotesService } from './lib';

export type { Note, NoteAdded } from './lib';

/** The notes module's methods, as a typed client sees them. */
export interface NotesApi {
  add(title: string, body: string): Promise<Note>;
  get(id: string): Promise<Note>;
  list(): Promise<Note[]>;
  remove(id: string): Promise<boolean>;
}

/** Notes stored through the storage module; emits `noteAdded` ({@link NoteAdded}). */
export default defineModule<NotesApi>({
  name: 'notes',
  events: [{ name: 'noteAdded', params: ['id', 'title'] }],
  methods: ['add', 'get', 'list', 'remove'],
  create(ctx) {
    const kv = ctx.client<KvClient>('storage');
    const notes = new NotesService(kv, (e) => ctx.emit('noteAdded', e));
    return {
      add: (title, body) => notes.add(title, body),
      get: (id) => notes.get(id),
      list: () => notes.list(),
      remove: (id) => notes.remove(id),
    };
  },
});
