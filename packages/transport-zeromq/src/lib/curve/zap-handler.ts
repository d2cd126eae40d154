import { Router, type Context } from 'zeromq';
import type { Logger } from '@tessera/protocol';
import { z85Encode } from './z85';

/** The well-known endpoint libzmq asks for ZAP decisions (RFC 27). */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Which keys are admitted now, and as whom: a view that asks `authorize` on every lookup. */
export interface AdmittedKeys {
  has(publicKey: string): boolean;
  /** The identity `authorize` binds the key to right now, or undefined (refused or thrown). */
  get(publicKey: string): string | undefined;
}

/** One listener's ZAP domain: who may connect, and as which module. */
export interface ZapDomain {
  authorize(publicKey: string): string | undefined;
  /**
   * The same decision for the carrier handshake steps (HELLO, PROOF): live,
   * never a cache of earlier ZAP answers, so a key revoked, spent or
   * expired since ZAP let its CURVE session in is refused at the next step.
   * Each lookup is one `authorize` call: no memory grows with the keys seen.
   */
  readonly admitted: AdmittedKeys;
}

/** The live {@link AdmittedKeys} of `authorize`: a throw or a non-identity is a refusal. */
export function liveAdmittedKeys(
  authorize: (publicKey: string) => string | undefined,
  logger: Logger,
): AdmittedKeys {
  const get = (publicKey: string): string | undefined => {
    let identity: unknown;
    try {
      identity = authorize(publicKey);
    } catch (err) {
      logger.warn('curve authorize threw; refusing the key', {
        key: publicKey,
        error: String(err),
      });
      return undefined;
    }
    return typeof identity === 'string' && identity.length > 0 ? identity : undefined;
  };
  return { get, has: (publicKey) => get(publicKey) !== undefined };
}

/**
 * The transport's ZAP handler: a Router on {@link ZAP_ENDPOINT} in the
 * transport's own Context. Every CURVE handshake on a listener of that
 * Context stops here; only keys whose domain's `authorize` returns an
 * identity get "200", everything else (unknown domain, non-CURVE, thrown
 * authorize) gets "400" and never reaches the application.
 */
export class ZapHandler {
  private readonly socket: Router;
  private readonly domains = new Map<string, ZapDomain>();
  private nextDomain = 0;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    context: Context,
    private readonly logger: Logger,
  ) {
    this.socket = new Router({ context, linger: 0 });
  }

  static async start(context: Context, logger: Logger): Promise<ZapHandler> {
    const zap = new ZapHandler(context, logger);
    await zap.socket.bind(ZAP_ENDPOINT);
    zap.loop = zap.serve();
    return zap;
  }

  /** Register a listener's authorize function; returns the zapDomain to set on its socket. */
  addDomain(authorize: (publicKey: string) => string | undefined): {
    name: string;
    domain: ZapDomain;
  } {
    const name = `tessera-${++this.nextDomain}`;
    const domain: ZapDomain = { authorize, admitted: liveAdmittedKeys(authorize, this.logger) };
    this.domains.set(name, domain);
    return { name, domain };
  }

  removeDomain(name: string): void {
    this.domains.delete(name);
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }

  private async serve(): Promise<void> {
    try {
      for await (const parts of this.socket) {
        const [routing, delimiter, version, requestId, domain, , , mechanism, credential] = parts;
        if (!routing || !delimiter || !requestId) continue;
        const { status, userId } = this.decide(version, domain, mechanism, credential);
        await this.socket.send([
          routing,
          delimiter,
          '1.0',
          requestId,
          status,
          status === '200' ? 'OK' : 'Denied',
          userId,
          '',
        ]);
      }
    } catch (err) {
      if (!this.socket.closed) this.logger.warn('ZAP handler stopped', { error: String(err) });
    }
  }

  private decide(
    version?: Buffer,
    domainName?: Buffer,
    mechanism?: Buffer,
    credential?: Buffer,
  ): { status: string; userId: string } {
    const deny = { status: '400', userId: '' };
    if (
      version?.toString() !== '1.0' ||
      mechanism?.toString() !== 'CURVE' ||
      credential?.length !== 32
    )
      return deny;
    const domain = this.domains.get(domainName?.toString() ?? '');
    if (!domain) return deny;
    const identity = domain.admitted.get(z85Encode(credential));
    return identity === undefined ? deny : { status: '200', userId: identity };
  }
}
