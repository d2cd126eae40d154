/**
 * V8 flags every module host process starts with, on the command line the
 * launcher builds (a sandboxed host gets no NODE_OPTIONS: its environment
 * is cut down to what the manifest names).
 *
 * `--max-semi-space-size=1` caps each of V8's two young-generation
 * semi-spaces at 1 MiB (the default lets them grow to 16 MiB each). An idle
 * host does not feel it; a busy one stops growing its young generation, and
 * so its resident memory, by about 8 MB under a stream of 1 KiB calls
 * (`npm run bench -- hosts` and the issue 16 notes), with no throughput
 * lost that the bench could tell: short-lived call frames die young either
 * way, and scavenging a small space is cheap.
 */
export const HOST_V8_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=1']);
