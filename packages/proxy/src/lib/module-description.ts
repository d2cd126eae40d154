/** A declared method and its parameter names (for introspection). */
export interface MethodSpec {
  name: string;
  params: string[];
  /**
   * When true the proxy passes a {@link CallContext} as the first argument,
   * so the method can see the authenticated caller. Never taken from the wire.
   */
  withContext?: boolean;
  /**
   * Parameters that name a resource (the manifest's `tessera.resources`, or
   * `defineModule({resources})`): a grant's constraints may scope them, and
   * the door checks them before dispatch. Each must be one of `params`.
   */
  resources?: string[];
}

/** A declared event and the names of its payload fields, if described. */
export interface EventSpec {
  name: string;
  params: string[];
}

/** What introspection returns. */
export interface ModuleDescription {
  module: string;
  methods: { name: string; params: string[] }[];
  events: EventSpec[];
}

/** Facts about the call, passed to methods declared `withContext`. */
export interface CallContext {
  /** The authenticated caller (from the channel and the grant, never from the request). */
  caller: string;
  /** The id (public half) of the grant the call came under: which session or token acted. */
  grant?: string;
  /** Aborted when the caller cancels or goes away. */
  signal?: AbortSignal;
}
