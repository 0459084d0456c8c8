// Viewing in the workspace against a real server. A real head CT series (28 slices, from
// the shared sample data, uploaded through the API) opens as a stack: slices scroll with
// the wheel, keys and slider, the browser's windowing equals the server's windowed slice
// pixel for pixel, presets and right-drag change the window, the HU readout equals the
// API's value, a box drawn on a slice is saved on it and shown only there, and the
// magnifier shows the slice's pixels unsmoothed. For plain images: the RGB readout, and
// brightness/contrast kept while moving to the next item and after a reload.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, type Page, test } from "@playwright/test";
import { adminApi, type Annotation, type Api, at, drag, key, objectRows, open, pixel, png, saved, server, signIn, snap } from "./kit";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HEAD_CT = join(REPO, "..", "shared", "data", "dicom", "dcm_qa_ct_ge_head");
const PHANTOM = join(REPO, "..", "shared", "data", "dicom", "rtutils_phantom_rtstruct");

interface Made {
  projectId: number;
  items: { id: number; asset_id: number; folder: string }[];
}

async function makeProject(api: Api, name: string, upload: (datasetId: number) => Promise<number>): Promise<Made> {
  const stamp = `${name} ${Date.now().toString(36)}`;
  const instruction = await api.post<{ instruction_id: number }>("/api/instructions", {
    name: stamp,
    document: { classes: [{ key: "lesion", name: "Lesion", color: "#ff0000", tool: "box", hotkey: "1" }] },
  });
  const dataset = await api.post<{ id: number }>("/api/datasets", { name: stamp });
  const job = await upload(dataset.id);
  await expect.poll(async () => (await api.get<{ state: string }>(`/api/jobs/${job}`)).state, { timeout: 60_000 }).toBe("done");
  const project = await api.post<{ id: number }>("/api/projects", { name: stamp, dataset_id: dataset.id, instruction_id: instruction.instruction_id });
  const items = await api.get<{ items: { id: number; asset_id: number; folder: string }[] }>(`/api/projects/${project.id}/items?limit=10`);
  return { projectId: project.id, items: items.items };
}

/** RGBA of the image canvas (under the annotation canvas) at an image point. */
async function imagePixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([ix, iy]) => {
      const ws = window.__pixelwise;
      const canvas = document.querySelector<HTMLCanvasElement>("canvas.ws-image");
      if (ws === undefined || canvas === null) throw new Error("no canvas");
      const [sx, sy] = ws.stage.viewport.toScreen(ix, iy);
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      return [...(canvas.getContext("2d")?.getImageData(Math.round(sx * ratio), Math.round(sy * ratio), 1, 1).data ?? [])];
    },
    [x, y] as const,
  );
}

/** How many pixels of the windowed slice the stage shows differ from the server's
 * windowed rendition at `url` (both read in the page). */
async function differingFromServer(page: Page, url: string): Promise<number> {
  return page.evaluate(async (path) => {
    const full = window.__pixelwise?.stage.shownImage?.full;
    if (!(full instanceof HTMLCanvasElement)) throw new Error("no slice canvas");
    const shown = full.getContext("2d")?.getImageData(0, 0, full.width, full.height).data;
    const bitmap = await createImageBitmap(await (await fetch(path)).blob());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d");
    if (context === null || shown === undefined) throw new Error("no 2D context");
    context.drawImage(bitmap, 0, 0);
    const served = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    if (served.length !== shown.length) return -1;
    let count = 0;
    for (let i = 0; i < served.length; i += 4) if (served[i] !== shown[i]) count++;
    return count;
  }, url);
}

const slicePosition = (page: Page) => page.getByTestId("slice-position");

test("a DICOM series opens as a stack: slices, windows, HU readout, annotations per slice, magnifier", async ({ page, request }) => {
  for (const folder of [HEAD_CT, PHANTOM]) test.skip(!existsSync(folder), `the shared sample data ${folder} is absent (it comes with the shared data set; see its PROVENANCE.md)`);
  test.setTimeout(120_000);
  const api = await adminApi(request);
  const csrf = (await request.storageState()).cookies.find((c) => c.name === "pixelwise_csrf")?.value ?? "";
  const made = await makeProject(api, "viewer ct", async (datasetId) => {
    // The 28-slice head CT, and the 2-slice phantom CT as a second series.
    const files = [
      ...readdirSync(HEAD_CT).filter((name) => name.endsWith(".dcm")).map((name) => ({ name: `head/${name}`, path: join(HEAD_CT, name) })),
      ...["ct_1.dcm", "ct_2.dcm"].map((name) => ({ name: `phantom/${name}`, path: join(PHANTOM, name) })),
    ];
    const multipart = Object.fromEntries(files.map((file, i) => [`file${i}`, { name: file.name, mimeType: "application/dicom", buffer: readFileSync(file.path) }]));
    const answer = await request.post(`${server.url}/api/datasets/${datasetId}/uploads`, { headers: { "X-CSRF-Token": csrf }, multipart });
    expect(answer.status(), await answer.text()).toBe(202);
    return ((await answer.json()) as { id: number }).id;
  });
  expect(made.items).toHaveLength(2);
  const item = made.items.find((i) => i.folder === "head");
  const phantom = made.items.find((i) => i.folder === "phantom");
  if (item === undefined || phantom === undefined) throw new Error(`the series were not imported as expected: ${JSON.stringify(made.items)}`);
  const asset = `/api/projects/${made.projectId}/assets/${item.asset_id}`;
  await signIn(page.context());
  await open(page, made.projectId, item.id);

  // The middle slice first, through the series' own window, windowed in the page exactly
  // as the server windows it.
  await expect(slicePosition(page)).toHaveText("Slice 15 of 28");
  await expect(page.getByLabel("Window")).toHaveValue("default");
  expect(await differingFromServer(page, `${asset}/slices/14`)).toBe(0);
  await snap(page, "viewer-01-stack");

  // The wheel scrolls slices (down: next), keys too; the slider jumps.
  const [cx, cy] = await at(page, 256, 256);
  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, 100);
  await expect(slicePosition(page)).toHaveText("Slice 16 of 28");
  await page.mouse.wheel(0, -100);
  await page.mouse.wheel(0, -100);
  await expect(slicePosition(page)).toHaveText("Slice 14 of 28");
  await key(page, "PageDown");
  await expect(slicePosition(page)).toHaveText("Slice 15 of 28");
  await key(page, "ArrowUp");
  await expect(slicePosition(page)).toHaveText("Slice 14 of 28");
  await key(page, "End");
  await expect(slicePosition(page)).toHaveText("Slice 28 of 28");
  await key(page, "Home");
  await expect(slicePosition(page)).toHaveText("Slice 1 of 28");
  await page.getByLabel("Slice", { exact: true }).fill("5");
  await expect(slicePosition(page)).toHaveText("Slice 5 of 28");
  expect(await differingFromServer(page, `${asset}/slices/4`)).toBe(0);

  // Ctrl + wheel zooms and leaves the slice alone.
  const scale = await page.evaluate(() => window.__pixelwise?.stage.viewport.scale ?? 0);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, -200);
  await page.keyboard.up("Control");
  await expect.poll(() => page.evaluate(() => window.__pixelwise?.stage.viewport.scale ?? 0)).toBeGreaterThan(scale * 1.2);
  await expect(slicePosition(page)).toHaveText("Slice 5 of 28");
  await key(page, "f");

  // Presets by hotkey and menu; the window equals the server's preset rendition.
  await key(page, "Alt+6");
  await expect(page.getByLabel("Window")).toHaveValue("lung");
  await expect(page.getByTestId("window-values")).toHaveText("L -600 W 1500");
  expect(await differingFromServer(page, `${asset}/slices/4?window=lung`)).toBe(0);
  expect(await differingFromServer(page, `${asset}/slices/4?window=bone`)).toBeGreaterThan(10_000); // the check tells windows apart
  await page.getByLabel("Window").selectOption("brain");
  await expect(page.getByTestId("window-values")).toHaveText("L 40 W 80");
  expect(await differingFromServer(page, `${asset}/slices/4?window=brain`)).toBe(0);

  // Right-drag windows: to the right twice as wide per 200 px.
  await page.mouse.move(cx, cy);
  await page.mouse.down({ button: "right" });
  await page.mouse.move(cx + 200, cy, { steps: 5 });
  await page.mouse.up({ button: "right" });
  await expect(page.getByLabel("Window")).toHaveValue("custom");
  await expect(page.getByTestId("window-values")).toHaveText("L 40 W 160");
  expect(await differingFromServer(page, `${asset}/slices/4?center=40&width=160`)).toBe(0);

  // The HU readout under the cursor is the API's value at that pixel.
  const [px, py] = [200, 300];
  await page.mouse.move(...(await at(page, px + 0.5, py + 0.5)));
  const value = await api.get<{ value: number; units: string }>(`${asset}/slices/4/value?x=${px}&y=${py}`);
  expect(value.units).toBe("HU");
  await expect(page.getByTestId("pixel-readout")).toHaveText(`x ${px}  y ${py}  ${Math.round(value.value)} HU`);

  // A box drawn on slice 5 is saved on it, and shown and hit only there.
  await drag(page, [150, 150], [300, 260]);
  await expect(objectRows(page)).toHaveCount(1);
  await saved(page);
  const annotation = await api.get<Annotation>(`/api/projects/${made.projectId}/items/${item.id}/annotation`);
  expect(annotation.objects).toHaveLength(1);
  expect(annotation.objects[0]?.geometry).toMatchObject({ type: "box", slice: 4 });
  await expect(objectRows(page).first()).toContainText("slice 5");
  expect((await pixel(page, 150, 200))[3]).toBeGreaterThan(200);
  await key(page, "PageDown");
  await expect(slicePosition(page)).toHaveText("Slice 6 of 28");
  await expect.poll(async () => (await pixel(page, 150, 200))[3]).toBe(0);
  await expect(page.getByTestId("objects").locator("li.selected")).toHaveCount(0);
  // Choosing the object in the list shows its slice.
  await objectRows(page).first().getByRole("button").first().click();
  await expect(slicePosition(page)).toHaveText("Slice 5 of 28");
  await expect.poll(async () => (await pixel(page, 150, 200))[3]).toBeGreaterThan(200);
  await snap(page, "viewer-02-box-on-slice");

  // The magnifier: M toggles it, + raises the factor; its centre is the slice's pixel
  // under the cursor, unsmoothed.
  await key(page, "Escape");
  await key(page, "m");
  await expect(page.getByRole("button", { name: "Magnifier" })).toHaveAttribute("aria-pressed", "true");
  await key(page, "+");
  await expect(page.getByTestId("magnifier-factor")).toHaveText("4x");
  await page.mouse.move(...(await at(page, 250.5, 200.5)));
  await expect(page.getByTestId("magnifier")).toBeVisible();
  // Sampled near the right edge of each image pixel, an unsmoothed loupe shows that
  // pixel's own grey; a smoothed one would mix in its neighbour's.
  const loupe = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>("[data-testid=magnifier] canvas");
    const stage = window.__pixelwise?.stage;
    const full = stage?.shownImage?.full;
    if (canvas === null || stage === undefined || stage.magnifier === null || !(full instanceof HTMLCanvasElement)) throw new Error("no magnifier");
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const scale = stage.viewport.scale * stage.magnifier.factor;
    const shown: number[] = [];
    const slice: number[] = [];
    for (let x = 244; x < 257; x++) {
      const lx = (canvas.getBoundingClientRect().width / 2 + (x + 0.9 - 250.5) * scale) * ratio;
      shown.push(canvas.getContext("2d")?.getImageData(Math.floor(lx), Math.floor(canvas.height / 2), 1, 1).data[0] ?? -1);
      slice.push(full.getContext("2d")?.getImageData(x, 200, 1, 1).data[0] ?? -2);
    }
    return { shown, slice };
  });
  expect(loupe.shown).toEqual(loupe.slice);
  expect(new Set(loupe.slice).size).toBeGreaterThan(1); // neighbours differ here, so smoothing would show
  // The annotation is in the loupe too: the box's left edge (x = 150), 3 pixels below the cursor.
  await page.mouse.move(...(await at(page, 150, 200.5)));
  const edge = await page.evaluate(() => {
    const canvas = document.querySelectorAll<HTMLCanvasElement>("[data-testid=magnifier] canvas")[1];
    const stage = window.__pixelwise?.stage;
    if (canvas === undefined || stage === undefined || stage.magnifier === null) throw new Error("no magnifier");
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const below = 3 * stage.viewport.scale * stage.magnifier.factor * ratio;
    return [...(canvas.getContext("2d")?.getImageData(Math.floor(canvas.width / 2), Math.floor(canvas.height / 2 + below), 1, 1).data ?? [])];
  });
  expect(edge[0]).toBeGreaterThan(200);
  expect(edge[3]).toBeGreaterThan(200);
  await snap(page, "viewer-03-magnifier");

  // The other series (prefetched while this one was open) opens at its middle slice
  // through the window dragged by hand on the first.
  await key(page, "m");
  await page.getByRole("button", { name: "Next" }).click();
  await expect.poll(() => page.evaluate(() => window.__pixelwise?.itemId)).toBe(phantom.id);
  await expect(slicePosition(page)).toHaveText("Slice 2 of 2");
  await expect(page.getByLabel("Window")).toHaveValue("custom");
  await expect(page.getByTestId("window-values")).toHaveText("L 40 W 160");
  expect(await differingFromServer(page, `/api/projects/${made.projectId}/assets/${phantom.asset_id}/slices/1?center=40&width=160`)).toBe(0);
  await expect(objectRows(page)).toHaveCount(0);
});

test("images: RGB readout, brightness and contrast kept across items and reloads, magnifier", async ({ page, request }) => {
  const api = await adminApi(request);
  const made = await makeProject(api, "viewer images", async (datasetId) => {
    const job = await api.upload<{ id: number }>(`/api/datasets/${datasetId}/uploads`, { "a.png": png(320, 240, 60), "b.png": png(320, 240, 90) });
    return job.id;
  });
  expect(made.items).toHaveLength(2);
  const [first, second] = made.items.map((i) => i.id) as [number, number];
  await signIn(page.context());
  await open(page, made.projectId, first);
  await expect(page.getByTestId("slice-position")).toHaveCount(0);

  await page.mouse.move(...(await at(page, 100.5, 50.5)));
  await expect(page.getByTestId("pixel-readout")).toHaveText("x 100  y 50  RGB 60 60 60");
  expect((await imagePixel(page, 100, 50)).slice(0, 3)).toEqual([60, 60, 60]);

  // Brightness and contrast are a filter on the image canvas, none when neutral.
  const filter = () => page.locator("canvas.ws-image").evaluate((c) => (c as HTMLCanvasElement).style.filter);
  expect(await filter()).toBe("");
  await page.getByLabel("Brightness").fill("150");
  await page.getByLabel("Contrast").fill("80");
  expect(await filter()).toBe("brightness(1.5) contrast(0.8)");
  await snap(page, "viewer-04-brightness");

  // Kept on the next item, and after a reload.
  await page.getByRole("button", { name: "Next" }).click();
  await expect.poll(() => page.evaluate(() => window.__pixelwise?.itemId)).toBe(second);
  await expect(page.getByLabel("Brightness")).toHaveValue("150");
  expect(await filter()).toBe("brightness(1.5) contrast(0.8)");
  await page.reload();
  await open(page, made.projectId, second);
  expect(await filter()).toBe("brightness(1.5) contrast(0.8)");
  await page.mouse.move(...(await at(page, 10.5, 20.5)));
  await expect(page.getByTestId("pixel-readout")).toHaveText("x 10  y 20  RGB 90 90 90"); // the data, not the filter

  // Right-drag upwards brightens; Reset goes back to no filter at all.
  const [cx, cy] = await at(page, 160, 120);
  await page.mouse.move(cx, cy);
  await page.mouse.down({ button: "right" });
  await page.mouse.move(cx, cy - 30, { steps: 3 });
  await page.mouse.up({ button: "right" });
  await expect(page.getByLabel("Brightness")).toHaveValue("160");
  await page.getByRole("button", { name: "Reset" }).click();
  expect(await filter()).toBe("");

  // The magnifier, by its button, shows the image pixel under the cursor.
  await page.getByRole("button", { name: "Magnifier" }).click();
  await page.mouse.move(...(await at(page, 40.5, 40.5)));
  await expect(page.getByTestId("magnifier")).toBeVisible();
  const centre = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>("[data-testid=magnifier] canvas");
    if (canvas === null) throw new Error("no magnifier");
    return [...(canvas.getContext("2d")?.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data ?? [])];
  });
  expect(centre.slice(0, 3)).toEqual([90, 90, 90]);
  await expect(page.getByTestId("magnifier-factor")).toHaveText("3x");
  const scale = await page.evaluate(() => window.__pixelwise?.stage.viewport.scale);
  await page.keyboard.down("Alt");
  await page.mouse.wheel(0, -100); // Alt + wheel up: a larger factor, no zoom
  await page.keyboard.up("Alt");
  await expect(page.getByTestId("magnifier-factor")).toHaveText("4x");
  expect(await page.evaluate(() => window.__pixelwise?.stage.viewport.scale)).toBe(scale);
  await page.mouse.move(5, 5); // off the canvas: no magnifier
  await expect(page.getByTestId("magnifier")).toBeHidden();
  await snap(page, "viewer-05-image");
});
