import type { CoreApi } from '@tessera/core';
import type { Client } from '@tessera/sdk';

/**
 * What the dashboard needs of a logged-in operator session: the core's API
 * (every call under the session's own grant) and the core's events. The CLI
 * hands in its `OperatorSession`; the dashboard never sees the credential
 * nor the session's token, only the grant id.
 */
export interface OperatorLink {
  readonly core: Client<CoreApi>;
  /** The id (public half) of the session's grant: what the trail names its actions by. */
  readonly grantId: string;
  /** Subscribe to a core event (`grantChanged`, `approvalChanged`, `security`); returns an unsubscribe. */
  on(event: string, listener: (payload: unknown) => void): Promise<() => Promise<void>>;
  /** Settles when the connection to the app ends. */
  readonly ended: Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh operator session on the app: one per browser login. */
export type OpenOperatorLink = () => Promise<OperatorLink>;
