import { TesseraError } from '@tessera/protocol';
import type { ZeroMqCurveOptions } from '../options';
import { decodeCurveKey } from './z85';

/** CURVE settings a listener runs with: authorization is mandatory. */
export type ServerCurve = Required<
  Pick<ZeroMqCurveOptions, 'secretKey' | 'publicKey' | 'authorize'>
>;
/** CURVE settings a dialer runs with. */
export type ClientCurve = Required<
  Pick<ZeroMqCurveOptions, 'secretKey' | 'publicKey' | 'serverKey'>
>;

function schemeOf(address: string): 'tcp' | 'ipc' {
  if (address.startsWith('tcp://')) return 'tcp';
  if (address.startsWith('ipc://')) return 'ipc';
  throw TesseraError.invalidArgument(
    `zeromq address must start with tcp:// or ipc://, got ${JSON.stringify(address)}`,
  );
}

function requireKeys(curve: ZeroMqCurveOptions, role: string): void {
  for (const field of ['secretKey', 'publicKey'] as const) {
    if (!decodeCurveKey(curve[field])) {
      throw TesseraError.invalidArgument(`${role}: curve.${field} must be a 40-character Z85 key`, {
        field: `curve.${field}`,
      });
    }
  }
}

/**
 * CURVE is on by default for tcp:// (keys missing is a config error unless
 * `curve: false`), off by default for ipc://. A server without `authorize`
 * would accept anyone holding its public key, so it refuses to start.
 */
export function serverCurveFor(
  address: string,
  curve: ZeroMqCurveOptions | false | undefined,
): ServerCurve | undefined {
  const scheme = schemeOf(address);
  if (curve === false) return undefined;
  if (curve === undefined) {
    if (scheme === 'ipc') return undefined;
    throw TesseraError.invalidArgument(
      'listening on tcp:// needs curve keys and authorize (or curve: false, insecure)',
      { field: 'curve' },
    );
  }
  requireKeys(curve, 'listen');
  if (typeof curve.authorize !== 'function') {
    throw TesseraError.invalidArgument(
      'listen: curve.authorize is required; CURVE without client authentication is refused',
      { field: 'curve.authorize' },
    );
  }
  return { secretKey: curve.secretKey, publicKey: curve.publicKey, authorize: curve.authorize };
}

/** The dialer's counterpart of {@link serverCurveFor}: `serverKey` and a client key pair are required. */
export function clientCurveFor(
  address: string,
  curve: ZeroMqCurveOptions | false | undefined,
): ClientCurve | undefined {
  const scheme = schemeOf(address);
  if (curve === false) return undefined;
  if (curve === undefined) {
    if (scheme === 'ipc') return undefined;
    throw TesseraError.invalidArgument(
      'connecting over tcp:// needs curve keys and serverKey (or curve: false, insecure)',
      { field: 'curve' },
    );
  }
  requireKeys(curve, 'connect');
  if (!decodeCurveKey(curve.serverKey)) {
    throw TesseraError.invalidArgument('connect: curve.serverKey must be a 40-character Z85 key', {
      field: 'curve.serverKey',
    });
  }
  return {
    secretKey: curve.secretKey,
    publicKey: curve.publicKey,
    serverKey: curve.serverKey as string,
  };
}
