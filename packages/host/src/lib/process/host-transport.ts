import type { DependencyContainer } from 'tsyringe';
import { TesseraError } from '@tessera/protocol';

/**
 * Register only the carrier a host process was configured with, loading its
 * package on demand: a sandboxed host may not load native addons unless its
 * carrier needs one (zeromq does, ipc does not), so the zeromq package must
 * not be imported just because it exists.
 */
export async function registerHostTransport(c: DependencyContainer, kind: string): Promise<void> {
  switch (kind) {
    case 'ipc':
      (await import('@tessera/transport-ipc')).registerIpcTransport(c);
      return;
    case 'zeromq':
      (await import('@tessera/transport-zeromq')).registerZeroMqTransport(c);
      return;
    case 'inproc':
      (await import('@tessera/transport-inproc')).registerInProcTransport(c);
      return;
    default:
      throw TesseraError.invalidArgument(`transport.kind ${JSON.stringify(kind)} is unknown`, {
        field: 'transport.kind',
      });
  }
}
