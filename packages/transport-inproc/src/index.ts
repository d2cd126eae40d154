/**
 * `@tessera/transport-inproc`: the in-process transport (kind `inproc`).
 * Frames are handed over by reference, in microtask batches, through an
 * {@link InProcHub} shared by both ends.
 */
export { InProcHub } from './lib/inproc-hub';
export { InProcTransport, type InProcTransportOptions } from './lib/inproc-transport';
export { registerInProcTransport } from './lib/register';
