// The set of selected object ids, with change events; tools read and set it, the
// renderer draws selected objects with handles.

export class Selection {
  private ids = new Set<string>();
  private readonly listeners = new Set<(ids: ReadonlySet<string>) => void>();

  get all(): ReadonlySet<string> {
    return this.ids;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The only selected id, or null when none or several are selected. */
  single(): string | null {
    if (this.ids.size !== 1) return null;
    return this.ids.values().next().value ?? null;
  }

  set(ids: Iterable<string>): void {
    this.ids = new Set(ids);
    this.emit();
  }

  toggle(id: string): void {
    const next = new Set(this.ids);
    if (!next.delete(id)) next.add(id);
    this.ids = next;
    this.emit();
  }

  clear(): void {
    if (this.ids.size > 0) this.set([]);
  }

  on(listener: (ids: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.ids);
  }
}
