/**
 * Which grants were handed on from which: parent token id → the keys of its
 * children in the capability module's live map. A parent replaced by its
 * renewal hands its children to the new grant ({@link reparent}); a parent
 * revoked takes them with it.
 */
export class DelegationTree {
  private readonly byParent = new Map<string, Set<string>>();
  private readonly parentOf = new Map<string, string>();

  add(parent: string, child: string): void {
    let set = this.byParent.get(parent);
    if (!set) this.byParent.set(parent, (set = new Set()));
    set.add(child);
    this.parentOf.set(child, parent);
  }

  /** The children of `parent`, as a copy (revoking them changes the tree). */
  children(parent: string): string[] {
    return [...(this.byParent.get(parent) ?? [])];
  }

  /** Forget `child` (revoked); its own children stay until they are revoked in turn. */
  remove(child: string): void {
    const parent = this.parentOf.get(child);
    if (parent === undefined) return;
    this.parentOf.delete(child);
    const set = this.byParent.get(parent);
    set?.delete(child);
    if (set?.size === 0) this.byParent.delete(parent);
  }

  /** Move the children of `from` (a grant replaced by its renewal) under `to`. */
  reparent(from: string, to: string): string[] {
    const moved = this.children(from);
    this.byParent.delete(from);
    for (const child of moved) this.add(to, child);
    return moved;
  }

  get size(): number {
    return this.parentOf.size;
  }
}
