// The project's work items in list order as the workspace needs them: the position of the
// open item ("item N of M") and its neighbours (previous / next). Windows of the list are
// read around where the annotator is (`GET /api/projects/{p}/item-window`), so an item at
// position 90 000 costs one small request, not every page before it.

export interface ListedItem {
  readonly id: number;
  readonly asset_id: number;
  readonly width: number | null;
  readonly height: number | null;
}

export interface PlacedItem extends ListedItem {
  /** 1-based place in the list. */
  readonly position: number;
}

export interface ItemWindowPage {
  readonly total: number;
  readonly anchor_position: number;
  readonly items: readonly PlacedItem[];
}

/** What the workspace asks of the item list. */
export interface ItemNavigator {
  readonly items: readonly ListedItem[];
  indexOf(itemId: number): Promise<number>;
  neighbour(itemId: number, step: number): Promise<ListedItem | null>;
}

export type WindowAnchor = { readonly itemId: number } | { readonly position: number };

/** Reads one window around the anchor; null when the item is not in the project. */
export type FetchWindow = (anchor: WindowAnchor, span: number) => Promise<ItemWindowPage | null>;

export class ItemWindows implements ItemNavigator {
  /** Items by index (position - 1); what was not read yet is a hole. */
  readonly items: ListedItem[] = [];
  /** The list's length, once a window told it. */
  total: number | null = null;
  private readonly indexById = new Map<number, number>();

  constructor(
    private readonly fetchWindow: FetchWindow,
    /** Items read on either side of an anchor. */
    private readonly span = 50,
  ) {}

  private async load(anchor: WindowAnchor): Promise<ItemWindowPage | null> {
    const page = await this.fetchWindow(anchor, this.span);
    if (page === null) return null;
    this.total = page.total;
    for (const item of page.items) {
      this.items[item.position - 1] = item;
      this.indexById.set(item.id, item.position - 1);
    }
    return page;
  }

  /** The index of the item (its window is read when not known yet); -1 when not listed. */
  async indexOf(itemId: number): Promise<number> {
    const known = this.indexById.get(itemId);
    if (known !== undefined) return known;
    const page = await this.load({ itemId });
    return page === null ? -1 : page.anchor_position - 1;
  }

  /** The item `step` places after (or before) the given one, or null at either end. */
  async neighbour(itemId: number, step: number): Promise<ListedItem | null> {
    const index = await this.indexOf(itemId);
    if (index < 0) return null;
    const target = index + step;
    if (target < 0 || (this.total !== null && target >= this.total)) return null;
    const known = this.items[target];
    if (known !== undefined) return known;
    await this.load({ position: target + 1 });
    return this.items[target] ?? null;
  }
}
