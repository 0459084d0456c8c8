// The labeling workspace against a real server: an instruction with a box class and a
// polygon class (with attributes), a dataset of uploaded PNGs and a project are made
// through the API; then a box and a polygon are drawn with the mouse, an attribute is
// filled, and the work is checked after a reload (through the API and on the canvas),
// through undo/redo, offline and back, and against a conflicting save from a second page.

import { expect, type Page, test } from "@playwright/test";
import { adminApi, type Annotation, type Api, click, drag, key, objectRows, open as openItem, pixel, png, saved, signIn, snap } from "./kit";

const WIDTH = 400;
const HEIGHT = 300;

interface Made {
  projectId: number;
  items: number[];
}

async function makeProject(api: Api): Promise<Made> {
  const stamp = Date.now().toString(36);
  const instruction = await api.post<{ instruction_id: number }>("/api/instructions", {
    name: `workspace ${stamp}`,
    document: {
      classes: [
        {
          key: "car",
          name: "Car",
          color: "#ff0000",
          tool: "box",
          hotkey: "1",
          attributes: [
            { key: "colour", name: "Colour", type: "single_choice", choices: [{ key: "red", name: "Red" }, { key: "blue", name: "Blue" }] },
            { key: "occluded", name: "Occluded", type: "boolean" },
          ],
        },
        { key: "lake", name: "Lake", color: "#0000ff", tool: "polygon", hotkey: "2", attributes: [{ key: "depth", name: "Depth", type: "number", min: 0, max: 100 }] },
      ],
      questions: [{ key: "weather", text: "Weather", type: "single_choice", display: "radio", choices: [{ key: "sun", name: "Sun" }, { key: "rain", name: "Rain" }] }],
    },
  });
  const dataset = await api.post<{ id: number }>("/api/datasets", { name: `workspace ${stamp}` });
  const job = await api.upload<{ id: number }>(`/api/datasets/${dataset.id}/uploads`, { "a.png": png(WIDTH, HEIGHT, 60), "b.png": png(WIDTH, HEIGHT, 90) });
  await expect.poll(async () => (await api.get<{ state: string }>(`/api/jobs/${job.id}`)).state, { timeout: 20_000 }).toBe("done");
  const project = await api.post<{ id: number }>("/api/projects", { name: `workspace ${stamp}`, dataset_id: dataset.id, instruction_id: instruction.instruction_id });
  const items = await api.get<{ items: { id: number }[] }>(`/api/projects/${project.id}/items?limit=10`);
  expect(items.items).toHaveLength(2);
  return { projectId: project.id, items: items.items.map((i) => i.id) };
}

/** Opens an item of the project and waits until its image is drawn. */
async function open(page: Page, made: Made, item: number): Promise<void> {
  await openItem(page, made.projectId, item);
}

test("draw, save, reload, undo, go offline and resolve a conflict in the workspace", async ({ page, request, browser }) => {
  test.setTimeout(90_000);
  const api = await adminApi(request);
  const made = await makeProject(api);
  const first = made.items[0] as number;
  const annotationPath = `/api/projects/${made.projectId}/items/${first}/annotation`;
  await signIn(page.context());
  await open(page, made, first);
  await expect(page.getByTestId("position")).toContainText("Item 1 of 2");
  await expect(page.getByRole("button", { name: "Box", pressed: true })).toBeVisible();

  // A box of the first class, then its colour.
  await drag(page, [50, 60], [150, 140]);
  await expect(objectRows(page)).toHaveCount(1);
  await page.getByLabel("Colour").selectOption("blue");

  // A polygon of the second class, chosen by its hotkey; its depth.
  await key(page, "2");
  await expect(page.getByRole("button", { name: "Polygon", pressed: true })).toBeVisible();
  for (const [x, y] of [[220, 60], [350, 80], [330, 220], [240, 200]] as [number, number][]) await click(page, x, y);
  await click(page, 220, 60); // the first vertex closes it
  await expect(objectRows(page)).toHaveCount(2);
  await page.getByLabel("Depth").fill("12");
  await page.getByLabel("Depth").press("Enter");
  await page.getByLabel("Sun").check();
  await saved(page);
  await snap(page, "workspace-01-drawn");

  let annotation = await api.get<Annotation>(annotationPath);
  const box = annotation.objects.find((o) => o.class === "car");
  const polygon = annotation.objects.find((o) => o.class === "lake");
  expect(box?.geometry).toMatchObject({ type: "box" });
  for (const [key, want] of Object.entries({ x: 50, y: 60, w: 100, h: 80 })) expect(Math.abs((box?.geometry[key] as number) - want)).toBeLessThan(1.5);
  expect(box?.attributes).toEqual({ colour: "blue" });
  const outer = (polygon?.geometry["parts"] as { outer: number[][] }[])[0]?.outer ?? [];
  expect(outer).toHaveLength(4);
  expect(Math.abs((outer[1]?.[0] ?? 0) - 350)).toBeLessThan(1.5);
  expect(polygon?.attributes).toEqual({ depth: 12 });
  expect(annotation.answers).toEqual({ weather: "sun" });

  // After a reload both objects come back, drawn on the canvas.
  await page.reload();
  await open(page, made, first);
  await expect(objectRows(page)).toHaveCount(2);
  await expect(page.getByLabel("Sun")).toBeChecked();
  const edge = await pixel(page, 50, 80); // the box's left edge
  expect(edge[0]).toBeGreaterThan(200);
  expect(edge[1]).toBeLessThan(60);
  expect(edge[3]).toBeGreaterThan(200);
  const outside = await pixel(page, 30, 80);
  expect(outside[3]).toBe(0);
  await snap(page, "workspace-02-reloaded");

  // Delete, undo, redo, undo: the box is back and saved.
  await objectRows(page).filter({ hasText: "Car" }).getByRole("button").first().click();
  await key(page, "Delete");
  await expect(objectRows(page)).toHaveCount(1);
  await page.keyboard.press("Control+z");
  await expect(objectRows(page)).toHaveCount(2);
  await page.keyboard.press("Control+Shift+z");
  await expect(objectRows(page)).toHaveCount(1);
  await page.keyboard.press("Control+z");
  await expect(objectRows(page)).toHaveCount(2);
  await saved(page);
  annotation = await api.get<Annotation>(annotationPath);
  expect(annotation.objects.map((o) => o.class).sort()).toEqual(["car", "lake"]);

  // Offline: the edit waits on this device, and is saved when the connection returns.
  await page.context().setOffline(true);
  await key(page, "1");
  await drag(page, [60, 180], [120, 280]);
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "offline");
  await expect(page.getByTestId("save-state")).toContainText("Offline");
  await snap(page, "workspace-03-offline");
  await page.context().setOffline(false);
  await saved(page);
  annotation = await api.get<Annotation>(annotationPath);
  expect(annotation.objects).toHaveLength(3);

  // A second page saves first; this page's next save meets the conflict and keeps its change.
  const other = await browser.newContext();
  await signIn(other);
  const second = await other.newPage();
  await open(second, made, first);
  await expect(objectRows(second)).toHaveCount(3);
  await second.getByLabel("Rain").check();
  await saved(second);
  await snap(second, "workspace-04-second-page");
  await key(page, "2");
  for (const [x, y] of [[250, 235], [300, 235], [280, 270]] as [number, number][]) await click(page, x, y);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alertdialog", { name: "Save conflict" })).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "conflict");
  await snap(page, "workspace-05-conflict");
  await page.getByRole("button", { name: "Keep mine" }).click();
  await saved(page);
  annotation = await api.get<Annotation>(annotationPath);
  expect(annotation.objects).toHaveLength(4);
  expect(annotation.answers).toEqual({ weather: "rain" });
  await second.close();

  // Offline edits survive closing the tab (after the unsaved-changes warning): kept in
  // IndexedDB, they are sent when the item is opened again.
  const third = await other.newPage();
  await open(third, made, first);
  await expect(objectRows(third)).toHaveCount(4);
  await other.setOffline(true);
  await key(third, "1");
  await drag(third, [300, 10], [380, 40]);
  await expect(third.getByTestId("save-state")).toHaveAttribute("data-state", "offline");
  const buffered = await third.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const opening = indexedDB.open("pixelwise-workspace");
        opening.onerror = () => reject(new Error("no database"));
        opening.onsuccess = () => {
          const get = opening.result.transaction("pending-saves").objectStore("pending-saves").get(name);
          get.onsuccess = () => resolve(Array.isArray(get.result) ? get.result.length : 0);
        };
      }),
    `${made.projectId}/${first}`,
  );
  expect(buffered).toBe(1);
  const warned = third.waitForEvent("dialog");
  const closed = third.waitForEvent("close");
  await third.close({ runBeforeUnload: true });
  const dialog = await warned;
  expect(dialog.type()).toBe("beforeunload");
  await dialog.accept();
  await closed;
  await other.setOffline(false);
  const fourth = await other.newPage();
  await open(fourth, made, first);
  await expect(objectRows(fourth)).toHaveCount(5);
  await saved(fourth);
  annotation = await api.get<Annotation>(annotationPath);
  expect(annotation.objects).toHaveLength(5);
  await other.close();

  // Next item, with the shortcut overlay.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/items/${made.items[1]}$`));
  await expect(page.getByTestId("position")).toContainText("Item 2 of 2");
  await expect.poll(() => page.evaluate((id) => window.__pixelwise?.itemId === id, made.items[1])).toBe(true);
  await key(page, "?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toContainText("Class Car");
  await snap(page, "workspace-06-shortcuts");
});
