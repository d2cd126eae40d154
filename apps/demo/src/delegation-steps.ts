import type { ResourceConstraints } from '@tessera/protocol';
import type { Script } from './script';

/** A live grant as `grants()` lists it, the part these steps show. */
interface GrantView {
  caller: string;
  target: string;
  methods: string[];
  expiresAt: number;
  chain?: string[];
  constraints?: ResourceConstraints;
}

/** `get · get.key ∈ note:*`: the methods, and the constraints the delegation carries. */
function scopeOf(g: GrantView): string {
  const parts = [g.methods.join(', ')];
  for (const [method, params] of Object.entries(g.constraints ?? {}))
    for (const [param, patterns] of Object.entries(params))
      parts.push(`${method}.${param} ∈ ${patterns.join(' | ')}`);
  return parts.join(' · ');
}

/** What the scenario's delegation steps need of the operator session. */
export interface DelegationSession {
  callModule<T>(module: string, method: string, args: unknown[]): Promise<T>;
  grants(): Promise<GrantView[]>;
}

interface Handed {
  id: string;
  to: string;
  target: string;
  methods: string[];
  expiresAt: number;
  chain: string[];
}

/** `audit → storage (via notes): get` for each grant audit holds on storage, as `tessera inspect` names them. */
async function auditsGrants(session: DelegationSession): Promise<string> {
  const held = (await session.grants()).filter(
    (g) => g.caller === 'audit' && g.target === 'storage',
  );
  return held
    .map(
      (g) =>
        `audit → storage${g.chain?.length ? ` (via ${g.chain.join(', ')})` : ''}: ${scopeOf(g)}`,
    )
    .join(' · ');
}

/**
 * Delegation, as the user sees it: audit may not read a note (its own
 * grant on storage is only `event:changed`); notes hands it `get` out of its
 * own grant (`ctx.delegate`, with the policy's consent in
 * data.tessera.delegation); now audit reads it, and the grant shows where
 * it came from.
 */
export async function playDelegationSteps(
  script: Script,
  session: DelegationSession,
  noteId: string,
): Promise<void> {
  await script.denied(
    `operator → audit.readNote("${noteId.slice(0, 8)}…")   (audit's own grant on storage has no get)`,
    () => session.callModule('audit', 'readNote', [noteId]),
    "'get' is not granted to audit on storage",
    async () => `audit's grants on storage: ${await auditsGrants(session)}`,
  );
  await script.allowed(
    'operator → notes.share("audit")   (notes hands audit get on storage, out of its own grant)',
    () => session.callModule<Handed>('notes', 'share', ['audit']),
    (d) =>
      `notes handed ${d.to} ${d.methods.join(', ')} on ${d.target} for ${Math.round((d.expiresAt - Date.now()) / 60_000)} min, no longer than its own grant (grant ${d.id.slice(0, 8)}…)`,
    (d) =>
      d.to === 'audit' && d.methods.join() === 'get' ? undefined : 'not the delegation asked for',
  );
  await script.allowed(
    `operator → audit.readNote("${noteId.slice(0, 8)}…")   (now under notes's delegation)`,
    async () => ({
      note: await session.callModule<{ id: string; title: string }>('audit', 'readNote', [noteId]),
      grants: await auditsGrants(session),
    }),
    ({ note, grants }) => `audit read "${note.title}"; ${grants}`,
    ({ note }) => (note?.id === noteId ? undefined : 'not the note'),
  );
}
