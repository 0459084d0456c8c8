// Editing features of the workspace against a real server: submit with required fields
// enforced (marked at the field, nothing sent until they are filled, then the next item
// opens), copy / paste / duplicate within an item and onto the next one, the object list
// (reorder, change class, hide and lock kept on this device across a reload), and the
// active time reported per object.

import { expect, type Page, test } from "@playwright/test";
import { adminApi, type Annotation, type Api, drag, key, objectRows, open, pixel, png, saved, server, signIn, snap } from "./kit";

const WIDTH = 400;
const HEIGHT = 300;

interface Made {
  projectId: number;
  items: number[];
}

interface Item {
  state: string;
  time_spent: number;
}

interface TimedAnnotation extends Omit<Annotation, "objects"> {
  objects: (Annotation["objects"][number] & { z_order: number; time_spent: number })[];
}

async function makeProject(api: Api, count: number): Promise<Made> {
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const instruction = await api.post<{ instruction_id: number }>("/api/instructions", {
    name: `editing ${stamp}`,
    document: {
      classes: [
        {
          key: "car",
          name: "Car",
          color: "#ff0000",
          tool: "box",
          hotkey: "1",
          attributes: [{ key: "colour", name: "Colour", type: "single_choice", required: true, choices: [{ key: "red", name: "Red" }, { key: "blue", name: "Blue" }] }],
        },
        { key: "sign", name: "Sign", color: "#00ff00", tool: "box", hotkey: "2" },
      ],
      questions: [{ key: "weather", text: "Weather", type: "single_choice", display: "radio", required: true, choices: [{ key: "sun", name: "Sun" }, { key: "rain", name: "Rain" }] }],
    },
  });
  const dataset = await api.post<{ id: number }>("/api/datasets", { name: `editing ${stamp}` });
  const files = Object.fromEntries(Array.from({ length: count }, (_, i) => [`${String.fromCharCode(97 + i)}.png`, png(WIDTH, HEIGHT, 60 + 20 * i)]));
  const job = await api.upload<{ id: number }>(`/api/datasets/${dataset.id}/uploads`, files);
  await expect.poll(async () => (await api.get<{ state: string }>(`/api/jobs/${job.id}`)).state, { timeout: 20_000 }).toBe("done");
  const project = await api.post<{ id: number }>("/api/projects", { name: `editing ${stamp}`, dataset_id: dataset.id, instruction_id: instruction.instruction_id });
  const items = await api.get<{ items: { id: number }[] }>(`/api/projects/${project.id}/items?limit=10`);
  expect(items.items).toHaveLength(count);
  return { projectId: project.id, items: items.items.map((i) => i.id) };
}

const annotationOf = (api: Api, made: Made, item: number) => api.get<TimedAnnotation>(`/api/projects/${made.projectId}/items/${item}/annotation`);
const itemOf = (api: Api, made: Made, item: number) => api.get<Item>(`/api/projects/${made.projectId}/items/${item}`);
const near = (value: unknown, want: number) => expect(Math.abs((value as number) - want)).toBeLessThan(1.5);

/** The ids of the open item's objects in the order the side panel lists them. */
async function listedIds(page: Page): Promise<string[]> {
  return objectRows(page).evaluateAll((rows) => rows.map((row) => row.getAttribute("data-object-id") ?? ""));
}

test("submit is refused at the fields until required values are filled, then the next item opens", async ({ page, request }) => {
  test.setTimeout(90_000);
  const api = await adminApi(request);
  const made = await makeProject(api, 2);
  const [first, second] = made.items as [number, number];
  await signIn(page.context());
  await open(page, made.projectId, first);
  await expect(page.getByTestId("item-state")).not.toHaveText("Submitted");

  await drag(page, [50, 60], [150, 140]);
  await expect(objectRows(page)).toHaveCount(1);
  await key(page, "Escape"); // nothing selected: the submit selects the incomplete object
  await page.getByRole("button", { name: "Submit", exact: true }).click();
  const problem = page.getByTestId("submit-problem");
  await expect(problem).toContainText("Fill in before submitting: Car: Colour, Weather.");
  await expect(page.getByLabel("Colour")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("group", { name: "Weather" })).toHaveAttribute("aria-invalid", "true");
  await expect(objectRows(page).first()).toHaveClass(/incomplete/);
  await snap(page, "editing-01-missing");
  await saved(page);
  expect((await itemOf(api, made, first)).state).not.toBe("submitted");

  // The colour filled: its mark goes, the question's stays; the shortcut tries again.
  await page.getByLabel("Colour").selectOption("blue");
  await expect(page.getByLabel("Colour")).not.toHaveAttribute("aria-invalid", "true");
  await key(page, "Control+Enter");
  await expect(problem).toContainText("Fill in before submitting: Weather.");
  expect((await itemOf(api, made, first)).state).not.toBe("submitted");

  await page.getByLabel("Sun").check();
  await expect(problem).toBeHidden();
  await key(page, "Control+Enter");
  await expect(page).toHaveURL(new RegExp(`/items/${second}$`));
  await expect(page.getByTestId("position")).toContainText("Item 2 of 2");
  await expect(page.getByRole("alert").filter({ hasText: "a.png was submitted." })).toBeVisible();
  await snap(page, "editing-02-next-item");
  expect((await itemOf(api, made, first)).state).toBe("submitted");
  const annotation = await annotationOf(api, made, first);
  expect(annotation.objects.map((o) => o.attributes)).toEqual([{ colour: "blue" }]);
  expect(annotation.answers).toEqual({ weather: "sun" });

  // Back on the first item it shows as submitted; the shortcut is listed.
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page.getByTestId("item-state")).toHaveText("Submitted");
  await key(page, "?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toContainText("Submit the item");
});

test("copy, paste and duplicate objects within an item and onto the next one, one undo step each", async ({ page, request }) => {
  test.setTimeout(90_000);
  const api = await adminApi(request);
  const made = await makeProject(api, 2);
  const [first, second] = made.items as [number, number];
  await signIn(page.context());
  await open(page, made.projectId, first);

  await drag(page, [50, 60], [150, 140]);
  await page.getByLabel("Colour").selectOption("red");
  await key(page, "2");
  await drag(page, [200, 100], [260, 160]);
  await expect(objectRows(page)).toHaveCount(2);
  await key(page, "v"); // select tool; select both with shift on the list
  await objectRows(page).nth(0).getByRole("button").first().click();
  await objectRows(page).nth(1).getByRole("button").first().click({ modifiers: ["Shift"] });
  await key(page, "Control+c");
  await key(page, "Control+v");
  await expect(objectRows(page)).toHaveCount(4);
  await saved(page);
  let annotation = await annotationOf(api, made, first);
  expect(annotation.objects).toHaveLength(4);
  const cars = annotation.objects.filter((o) => o.class === "car");
  expect(new Set(annotation.objects.map((o) => o.id)).size).toBe(4);
  const pasted = cars.find((o) => Math.abs((o.geometry["x"] as number) - 60) < 1.5);
  expect(pasted, "the pasted car is 10 px further right and down").toBeDefined();
  near(pasted?.geometry["y"], 70);
  expect(pasted?.attributes).toEqual({ colour: "red" });
  const edge = await pixel(page, 160, 140); // the pasted car's right edge, outside the original
  expect(edge[0]).toBeGreaterThan(200);
  expect(edge[3]).toBeGreaterThan(200);
  await snap(page, "editing-03-pasted");

  // One undo takes the whole paste away; duplicate the selection instead.
  await page.keyboard.press("Control+z");
  await expect(objectRows(page)).toHaveCount(2);
  await objectRows(page).locator(".ws-row-select", { hasText: "Sign" }).click();
  await key(page, "Control+d");
  await expect(objectRows(page)).toHaveCount(3);
  await saved(page);
  annotation = await annotationOf(api, made, first);
  const signs = annotation.objects.filter((o) => o.class === "sign").map((o) => o.geometry["x"] as number).sort((a, b) => a - b);
  expect(signs).toHaveLength(2);
  near(signs[0], 200);
  near(signs[1], 210);

  // The next item gets the copied objects at the same coordinates.
  await key(page, "Alt+ArrowRight");
  await expect(page).toHaveURL(new RegExp(`/items/${second}$`));
  await expect.poll(() => page.evaluate((id) => window.__pixelwise?.itemId === id && window.__pixelwise.stage.stats.imageDrawnAt !== null, second)).toBe(true);
  await key(page, "Control+v");
  await expect(objectRows(page)).toHaveCount(2);
  await saved(page);
  annotation = await annotationOf(api, made, second);
  const car = annotation.objects.find((o) => o.class === "car");
  for (const [name, want] of Object.entries({ x: 50, y: 60, w: 100, h: 80 })) near(car?.geometry[name], want);
  expect(car?.attributes).toEqual({ colour: "red" });
  await page.keyboard.press("Control+z");
  await expect(objectRows(page)).toHaveCount(0);
  await saved(page);
  expect((await annotationOf(api, made, second)).objects).toHaveLength(0);
});

test("object list: reorder, change class, hide and lock kept across a reload; time counted per object", async ({ page, request }) => {
  test.setTimeout(90_000);
  const api = await adminApi(request);
  const made = await makeProject(api, 1);
  const [first] = made.items as [number];
  await signIn(page.context());
  await open(page, made.projectId, first);

  await drag(page, [50, 60], [150, 140]);
  await page.waitForTimeout(700);
  await page.getByLabel("Colour").selectOption("red");
  await key(page, "2");
  await drag(page, [100, 100], [200, 200]);
  await expect(objectRows(page)).toHaveCount(2);
  const [front, back] = (await listedIds(page)) as [string, string];
  await expect(objectRows(page).first().locator(".ws-row-select")).toContainText("Sign"); // drawn last, listed first

  // Send the sign backward: the car is in front now, on the canvas and on the server.
  await objectRows(page).first().getByRole("button", { name: "Send backward" }).click();
  expect(await listedIds(page)).toEqual([back, front]);
  await saved(page);
  let annotation = await annotationOf(api, made, first);
  const z = Object.fromEntries(annotation.objects.map((o) => [o.id, o.z_order]));
  expect(z[back] as number).toBeGreaterThan(z[front] as number);
  await key(page, "Escape"); // a selected object is drawn on top of the rest
  const overlap = await pixel(page, 150, 120); // the car's right edge, inside the sign
  expect(overlap[0]).toBeGreaterThan(200);

  // Change the car to a sign (both are boxes), then back with undo.
  await objectRows(page).first().getByLabel("Class").selectOption("sign");
  await saved(page);
  annotation = await annotationOf(api, made, first);
  expect(annotation.objects.map((o) => o.class)).toEqual(["sign", "sign"]);
  await page.keyboard.press("Control+z");
  await saved(page);
  annotation = await annotationOf(api, made, first);
  expect(annotation.objects.find((o) => o.id === back)?.class).toBe("car");

  // Hide the car, lock the sign; both survive a reload, and the server never hears of them.
  const carRow = page.locator(`[data-object-id="${back}"]`);
  const signRow = page.locator(`[data-object-id="${front}"]`);
  await carRow.getByRole("button", { name: "Hide" }).click();
  await signRow.getByRole("button", { name: "Lock" }).click();
  await expect(signRow.getByRole("button", { name: "Delete object" })).toBeDisabled();
  expect((await pixel(page, 50, 80))[3]).toBe(0); // the hidden car's left edge is not drawn
  await page.reload();
  await open(page, made.projectId, first);
  await expect(carRow.getByRole("button", { name: "Show" })).toHaveAttribute("aria-pressed", "true");
  await expect(signRow.getByRole("button", { name: "Unlock" })).toHaveAttribute("aria-pressed", "true");
  await expect(signRow.getByRole("button", { name: "Delete object" })).toBeDisabled();
  expect((await pixel(page, 50, 80))[3]).toBe(0);
  const stored = await page.evaluate((key) => localStorage.getItem(key), `pixelwise:view:${made.projectId}:${first}`);
  expect(JSON.parse(stored ?? "{}")).toEqual({ hidden: [back], locked: [front] });
  await snap(page, "editing-04-hidden-locked");
  annotation = await annotationOf(api, made, first);
  for (const object of annotation.objects) expect(Object.keys(object)).not.toContain("hidden");

  // Active time went to the objects it was spent on, within the item's time.
  const item = await itemOf(api, made, first);
  const car = annotation.objects.find((o) => o.id === back);
  const sign = annotation.objects.find((o) => o.id === front);
  expect(car?.time_spent).toBeGreaterThan(0.5);
  expect(sign?.time_spent).toBeGreaterThan(0);
  expect((car?.time_spent ?? 0) + (sign?.time_spent ?? 0)).toBeLessThanOrEqual(item.time_spent + 0.2);
  expect(server.url).toBeTruthy();
});
