import { describe, expect, it } from "vitest";
import { type ItemWindowPage, ItemWindows, type WindowAnchor } from "./itemWindows";

/** A server's list of `total` items with ids 1000 + position. */
function server(total: number) {
  const asked: WindowAnchor[] = [];
  const fetch = async (anchor: WindowAnchor, span: number): Promise<ItemWindowPage | null> => {
    asked.push(anchor);
    const position = "itemId" in anchor ? anchor.itemId - 1000 : anchor.position;
    if (position < 1 || position > total) return null;
    const items = [];
    for (let p = Math.max(1, position - span); p <= Math.min(total, position + span); p++) items.push({ id: 1000 + p, asset_id: p, width: 10, height: 10, position: p });
    return { total, anchor_position: position, items };
  };
  return { asked, fetch };
}

describe("ItemWindows", () => {
  it("finds an item deep in a long list with one window, not every page before it", async () => {
    const { asked, fetch } = server(100_000);
    const list = new ItemWindows(fetch, 3);
    expect(await list.indexOf(1000 + 90_000)).toBe(89_999);
    expect(asked).toEqual([{ itemId: 91_000 }]);
    expect(list.total).toBe(100_000);
    expect(list.items.filter((item) => item !== undefined)).toHaveLength(7);
  });

  it("answers neighbours from the window read, and reads the next window at its edge", async () => {
    const { asked, fetch } = server(100);
    const list = new ItemWindows(fetch, 2);
    expect((await list.neighbour(1050, 1))?.id).toBe(1051);
    expect((await list.neighbour(1050, -2))?.id).toBe(1048);
    expect(asked).toHaveLength(1);
    expect((await list.neighbour(1052, 1))?.id).toBe(1053);
    expect(asked).toEqual([{ itemId: 1050 }, { position: 53 }]);
  });

  it("stops at both ends and says -1 for an item not in the project", async () => {
    const { fetch } = server(3);
    const list = new ItemWindows(fetch, 5);
    expect(await list.neighbour(1001, -1)).toBeNull();
    expect(await list.neighbour(1003, 1)).toBeNull();
    expect((await list.neighbour(1003, -2))?.id).toBe(1001);
    expect(await list.indexOf(5000)).toBe(-1);
    expect(await list.neighbour(5000, 1)).toBeNull();
  });
});
