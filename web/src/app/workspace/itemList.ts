// The project's work items in list order, read a cursor page at a time as navigation
// needs them: the position of the current item ("item N of M") and its neighbours.

export interface ListedItem {
  readonly id: number;
  readonly asset_id: number;
  readonly width: number | null;
  readonly height: number | null;
}

export interface ItemPage {
  readonly items: readonly ListedItem[];
  readonly next_cursor: string | null;
}

export class ItemList {
  readonly items: ListedItem[] = [];
  private cursor: string | null = null;
  private done = false;
  private loading: Promise<void> | null = null;

  constructor(private readonly fetchPage: (cursor: string | null) => Promise<ItemPage>) {}

  private more(): Promise<void> {
    this.loading ??= this.fetchPage(this.cursor)
      .then((page) => {
        this.items.push(...page.items);
        this.cursor = page.next_cursor;
        this.done = page.next_cursor === null;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** The index of the item (pages are read until it is found); -1 when not listed. */
  async indexOf(itemId: number): Promise<number> {
    for (;;) {
      const index = this.items.findIndex((item) => item.id === itemId);
      if (index >= 0) return index;
      if (this.done) return -1;
      await this.more();
    }
  }

  /** The item `step` places after (or before) the given one, or null at either end. */
  async neighbour(itemId: number, step: number): Promise<ListedItem | null> {
    const index = await this.indexOf(itemId);
    if (index < 0) return null;
    const target = index + step;
    if (target < 0) return null;
    while (target >= this.items.length && !this.done) await this.more();
    return this.items[target] ?? null;
  }
}
