import { curveKeyPair } from 'zeromq';

/** A CURVE key pair as two 40-character Z85 strings. */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** A fresh CURVE key pair from libzmq's CSPRNG. Keep `secretKey` out of logs, argv and env. */
export function generateKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}
