/**
 * What each module is called and what it offers, for the type checker
 * only. A module package adds its entry by declaration merging, next to its
 * definition:
 *
 * ```ts
 * const storage = defineModule({ name: 'storage', create: () => ({ get(key: string) {…} }) });
 * export default storage;
 * export type StorageApi = ModuleApi<typeof storage>;
 * declare module '@tessera/sdk' {
 *   interface TesseraModules { storage: StorageApi }
 *   interface TesseraEvents { storage: { changed: KvChange } }
 * }
 * ```
 *
 * A module that imports that package (even `import type {} from
 * '@tessera-demo/storage'`) then gets `ctx.client('storage')` typed with no
 * type argument; a name that is not registered is a compile error.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface TesseraModules {}

/**
 * Module name → its events, each mapped to its payload type: checks
 * `ctx.on(module, event, listener)` and a module's own `ctx.emit(event, payload)`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface TesseraEvents {}

/** The name of a module registered in {@link TesseraModules}. */
export type ModuleName = keyof TesseraModules & string;

/** The name of a module that registered its events in {@link TesseraEvents}. */
export type EventSource = keyof TesseraEvents & string;

/** The event names `M` registered. */
export type EventName<M extends EventSource> = keyof TesseraEvents[M] & string;

/** The payload of event `E` of module `M`. */
export type EventPayload<M extends EventSource, E extends EventName<M>> = TesseraEvents[M][E];

/**
 * `ctx.emit` of module `Self`: checked against its registered events, or
 * any name and payload when it registered none (or its name is not known).
 */
export type Emit<Self extends string> = [Self] extends [EventSource]
  ? <E extends EventName<Self>>(event: E, payload: EventPayload<Self, E>) => void
  : (event: string, payload?: unknown) => void;
