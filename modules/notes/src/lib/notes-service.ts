import { randomUUID } from 'node:crypto';
import { TesseraError } from '@tessera/protocol';
import { type Note, NOTE_KEY_PREFIX, checkBody, checkId, checkTitle, noteKey } from './note';

/** The part of the storage module notes uses (kv-read, kv-write). */
export interface KvClient {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string): Promise<string[]>;
}

/** What `noteAdded` carries: enough to react, not the body. */
export interface NoteAdded {
  id: string;
  title: string;
}

/** Notes kept in the storage module under `note:<id>`. */
export class NotesService {
  constructor(
    private readonly kv: KvClient,
    private readonly onAdded: (event: NoteAdded) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(title: unknown, body: unknown): Promise<Note> {
    const note: Note = {
      id: randomUUID(),
      title: checkTitle(title),
      body: checkBody(body),
      createdAt: this.now().toISOString(),
    };
    await this.kv.set(noteKey(note.id), note);
    this.onAdded({ id: note.id, title: note.title });
    return note;
  }

  /** The note, or `NOT_FOUND`. */
  async get(id: unknown): Promise<Note> {
    const key = noteKey(checkId(id));
    const note = (await this.kv.get(key)) as Note | undefined;
    if (note === undefined) throw TesseraError.notFound(`no note ${String(id)}`, { id });
    return note;
  }

  /** Every note, oldest first. */
  async list(): Promise<Note[]> {
    const keys = await this.kv.list(NOTE_KEY_PREFIX);
    const notes = await Promise.all(keys.map((k) => this.kv.get(k) as Promise<Note | undefined>));
    return notes
      .filter((n): n is Note => n !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** True when the note existed. */
  async remove(id: unknown): Promise<boolean> {
    return this.kv.delete(noteKey(checkId(id)));
  }
}
