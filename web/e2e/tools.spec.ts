// Every drawing tool driven with the mouse and keyboard against a real server: one object
// per tool (box, rotated box, polygon with a hole and a second part plus vertex edits,
// polyline, points, skeleton with a keypoint's visibility set, freehand with a hole,
// sculpt, brush, fill, eraser, and a second mask class's brush stroke), then a reload,
// and every object is checked where it was drawn: its saved geometry through the API
// (coordinates within TOLERANCE image pixels, masks decoded and compared pixel by pixel
// with what the strokes cover) and the canvas pixels (the class colour on the shape,
// nothing beside it). Undo and redo across several tools' edits are checked against the
// saved annotation after each step.

import { expect, type Page, test } from "@playwright/test";
import { rleDecode } from "../src/engine/rle";
import type { Rle } from "../src/engine/shapes";
import {
  adminApi,
  type Annotation,
  at,
  type Api,
  click,
  clickWith,
  doubleClick,
  drag,
  key,
  objectRows,
  open,
  pixel,
  png,
  saved,
  snap,
  signIn,
  stroke,
} from "./kit";

const WIDTH = 600;
const HEIGHT = 400;
/** Image pixels a saved coordinate may be off: the mouse moves in whole CSS pixels, and at
 * the fitted zoom one CSS pixel is less than one image pixel. */
const TOLERANCE = 1.5;

const COLORS = {
  car: "#ff0000",
  boat: "#00ff00",
  lake: "#0000ff",
  road: "#ffff00",
  tree: "#ff00ff",
  person: "#00ffff",
  cloud: "#ff8000",
  water: "#8000ff",
  sand: "#008080",
} as const;
type ClassKey = keyof typeof COLORS;

type Pt = [number, number];
type Obj = Annotation["objects"][number];

async function makeProject(api: Api): Promise<{ projectId: number; item: number }> {
  const stamp = Date.now().toString(36);
  const tools: Record<ClassKey, string> = {
    car: "box",
    boat: "rotated_box",
    lake: "polygon",
    road: "polyline",
    tree: "points",
    person: "skeleton",
    cloud: "freehand",
    water: "mask",
    sand: "mask",
  };
  const instruction = await api.post<{ instruction_id: number }>("/api/instructions", {
    name: `tools ${stamp}`,
    document: {
      classes: Object.entries(tools).map(([key, tool]) => ({
        key,
        name: key[0]?.toUpperCase() + key.slice(1),
        color: COLORS[key as ClassKey],
        tool,
        ...(tool === "skeleton" ? { skeleton: "body" } : {}),
      })),
      skeletons: [
        {
          key: "body",
          name: "Body",
          keypoints: [
            { key: "head", name: "Head", default_x: 0.5, default_y: 0 },
            { key: "hip", name: "Hip", default_x: 0.5, default_y: 0.5 },
            { key: "left_foot", name: "Left foot", default_x: 0.2, default_y: 1 },
            { key: "right_foot", name: "Right foot", default_x: 0.8, default_y: 1 },
          ],
          edges: [
            ["head", "hip"],
            ["hip", "left_foot"],
            ["hip", "right_foot"],
          ],
        },
      ],
    },
  });
  const dataset = await api.post<{ id: number }>("/api/datasets", { name: `tools ${stamp}` });
  const job = await api.upload<{ id: number }>(`/api/datasets/${dataset.id}/uploads`, { "field.png": png(WIDTH, HEIGHT, 60) });
  await expect.poll(async () => (await api.get<{ state: string }>(`/api/jobs/${job.id}`)).state, { timeout: 20_000 }).toBe("done");
  const project = await api.post<{ id: number }>("/api/projects", { name: `tools ${stamp}`, dataset_id: dataset.id, instruction_id: instruction.instruction_id });
  const items = await api.get<{ items: { id: number }[] }>(`/api/projects/${project.id}/items?limit=10`);
  return { projectId: project.id, item: items.items[0]?.id ?? 0 };
}

/** Chooses a tool by its hotkey and waits until its palette button is pressed. */
async function tool(page: Page, hotkey: string, label: string): Promise<void> {
  await key(page, hotkey);
  await expect(page.getByRole("button", { name: label, exact: true, pressed: true })).toBeVisible();
}

/** What a user drew: an object without its bookkeeping (revision, times). */
const content = (o: Obj) => ({ id: o.id, class: o.class, geometry: o.geometry, attributes: o.attributes });

function near(actual: unknown, want: number, what: string): void {
  expect(typeof actual, what).toBe("number");
  expect(Math.abs((actual as number) - want), `${what}: ${String(actual)} vs ${want}`).toBeLessThanOrEqual(TOLERANCE);
}

function nearPoints(actual: readonly (readonly number[])[], want: readonly Pt[], what: string): void {
  expect(actual, what).toHaveLength(want.length);
  want.forEach(([x, y], i) => {
    near(actual[i]?.[0], x, `${what}[${i}].x`);
    near(actual[i]?.[1], y, `${what}[${i}].y`);
  });
}

function only(annotation: Annotation, classKey: ClassKey): Obj {
  const found = annotation.objects.filter((o) => o.class === classKey);
  expect(found, `objects of class ${classKey}`).toHaveLength(1);
  return found[0] as Obj;
}

interface Part {
  outer: number[][];
  holes: number[][][];
}

const partsOf = (o: Obj) => o.geometry["parts"] as Part[];
const keypointsOf = (o: Obj) => o.geometry["points"] as { x: number; y: number; visible: number; key?: string }[];

/** The mask the brush ring, the bucket fill inside it and the eraser stroke leave: a disc
 * (the ring's outer edge) minus the band the eraser swept. */
function expectedWater(ring: { cx: number; cy: number; r: number; brush: number }, eraser: { from: Pt; to: Pt; r: number }): Uint8Array {
  const pixels = new Uint8Array(WIDTH * HEIGHT);
  const [ax, ay] = eraser.from;
  const [bx, by] = eraser.to;
  const outer = ring.r + ring.brush;
  for (let row = 0; row < HEIGHT; row++) {
    for (let col = 0; col < WIDTH; col++) {
      const x = col + 0.5;
      const y = row + 0.5;
      if (Math.hypot(x - ring.cx, y - ring.cy) > outer) continue;
      const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
      if (Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= eraser.r) continue;
      pixels[row * WIDTH + col] = 1;
    }
  }
  return pixels;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    if (a[i] || b[i]) either++;
  }
  return either === 0 ? 1 : both / either;
}

function rgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The class's colour is on the canvas at the image point. */
async function expectColour(page: Page, x: number, y: number, classKey: ClassKey): Promise<void> {
  const [r, g, b, a] = await pixel(page, x, y);
  const want = rgb(COLORS[classKey]);
  expect(a ?? 0, `alpha at (${x}, ${y}) for ${classKey}`).toBeGreaterThan(30);
  [r, g, b].forEach((value, i) => expect(Math.abs((value ?? 0) - (want[i] ?? 0)), `colour at (${x}, ${y}) for ${classKey}: ${r},${g},${b}`).toBeLessThanOrEqual(40));
}

/** Nothing is drawn at the image point. */
async function expectEmpty(page: Page, x: number, y: number): Promise<void> {
  expect((await pixel(page, x, y))[3], `alpha at (${x}, ${y})`).toBe(0);
}

async function annotationOf(api: Api, path: string, page: Page): Promise<Annotation> {
  await saved(page);
  return api.get<Annotation>(path);
}

/** A circle's outline as image points, closed (the first point repeated last). */
function circle(cx: number, cy: number, r: number, steps: number): Pt[] {
  return Array.from({ length: steps + 1 }, (_, i): Pt => [cx + r * Math.cos((2 * Math.PI * i) / steps), cy + r * Math.sin((2 * Math.PI * i) / steps)]);
}

function area(ring: readonly (readonly number[])[]): number {
  let sum = 0;
  ring.forEach((p, i) => {
    const q = ring[(i + 1) % ring.length] as number[];
    sum += (p[0] ?? 0) * (q[1] ?? 0) - (q[0] ?? 0) * (p[1] ?? 0);
  });
  return Math.abs(sum) / 2;
}

test("every drawing tool, driven by mouse and keyboard, saves exactly what was drawn", async ({ page, request }) => {
  test.setTimeout(180_000);
  const api = await adminApi(request);
  const { projectId, item } = await makeProject(api);
  const path = `/api/projects/${projectId}/items/${item}/annotation`;
  await signIn(page.context());
  await open(page, projectId, item);
  const notice = page.locator(".ws-notice");

  // Box: press, drag to the opposite corner.
  await tool(page, "b", "Box");
  await drag(page, [20, 20], [100, 80]);

  // Rotated box: drag one side, release, move out to the other side, click.
  await tool(page, "r", "Rotated box");
  const side: [Pt, Pt] = [[130, 30], [190, 60]];
  const length = Math.hypot(60, 30);
  const normal: Pt = [-30 / length, 60 / length];
  const height = 25;
  await drag(page, side[0], side[1]);
  const third: Pt = [side[1][0] + normal[0] * height, side[1][1] + normal[1] * height];
  await page.mouse.move(...(await at(page, ...third)), { steps: 4 });
  await click(page, ...third);

  // Polygon: five clicks, the first vertex again closes it; an Alt-started ring is a
  // hole, closed with Enter; a Shift-started ring a second part, closed by double click.
  await tool(page, "p", "Polygon");
  const pentagon: Pt[] = [[220, 20], [320, 20], [320, 110], [270, 125], [220, 110]];
  for (const p of pentagon) await click(page, ...p);
  await click(page, 220, 20);
  const hole: Pt[] = [[245, 45], [295, 45], [295, 85], [245, 85]];
  await clickWith(page, "Alt", ...hole[0]!);
  for (const p of hole.slice(1)) await click(page, ...p);
  await key(page, "Enter");
  const part: Pt[] = [[345, 20], [405, 20], [375, 80]];
  await clickWith(page, "Shift", ...part[0]!);
  await click(page, ...part[1]!);
  await doubleClick(page, ...part[2]!);
  await expect(objectRows(page)).toHaveCount(3);
  // Edits of the selected polygon: ctrl-click on an edge inserts a vertex, drag it and
  // another vertex, ctrl-click on a vertex deletes it.
  await clickWith(page, "Control", 270, 20);
  await drag(page, [270, 20], [270, 8]);
  await drag(page, [320, 110], [330, 118]);
  await clickWith(page, "Control", 270, 125);
  await saved(page);
  await snap(page, "tools-01-polygon");

  // Polyline: clicks, a double click ends it.
  await tool(page, "l", "Polyline");
  await click(page, 20, 170);
  await click(page, 80, 200);
  await doubleClick(page, 140, 170);

  // Points: clicks add to one object until Enter.
  await tool(page, "k", "Points");
  for (const p of [[30, 250], [60, 280], [90, 250]] as Pt[]) await click(page, ...p);
  await key(page, "Enter");

  // Skeleton: drag its box, drag the head into place, Alt-click the left foot (occluded),
  // move the right foot and press O twice (not labelled).
  await tool(page, "s", "Skeleton (body)");
  await drag(page, [170, 160], [230, 280]);
  await drag(page, [200, 160], [205, 155]);
  await clickWith(page, "Alt", 182, 280);
  await drag(page, [218, 280], [222, 284]);
  await key(page, "o");
  await key(page, "o");
  await tool(page, "v", "Select"); // V is still the Select tool's, not the skeleton's

  // Freehand: draw a circle; then sculpt pushes its right side out from inside.
  await tool(page, "d", "Freehand");
  const cloud = { cx: 300, cy: 215, r: 35 };
  await stroke(page, circle(cloud.cx, cloud.cy, cloud.r, 72));
  await tool(page, "c", "Sculpt");
  const sculptRadius = await page.evaluate(() => window.__pixelwise?.stage.viewport.screenToImageLength(20) ?? 0);
  const pushFrom: Pt = [cloud.cx + cloud.r - sculptRadius - 2, cloud.cy];
  const pushTo: Pt = [cloud.cx + cloud.r - sculptRadius + 6, cloud.cy];
  await drag(page, pushFrom, pushTo);
  const pushedTo = pushTo[0] + sculptRadius;
  // An Alt-drag with the freehand tool traces a hole in the selected (sculpted) shape.
  await tool(page, "d", "Freehand");
  const cloudHole = { cx: 290, cy: 215, r: 10 };
  await page.keyboard.down("Alt");
  await stroke(page, circle(cloudHole.cx, cloudHole.cy, cloudHole.r, 36));
  await page.keyboard.up("Alt");

  // Brush: a ring; the bucket fills its inside (same mask); the eraser, one step larger
  // (]), cuts a band through it.
  await tool(page, "n", "Brush");
  const ring = { cx: 500, cy: 110, r: 40, brush: 8 };
  await stroke(page, circle(ring.cx, ring.cy, ring.r, 72));
  await tool(page, "g", "Fill");
  await click(page, ring.cx + 0.5, ring.cy + 0.5);
  await tool(page, "e", "Eraser");
  await key(page, "]");
  const band = { from: [440, 110] as Pt, to: [560, 110] as Pt, r: 10 };
  await stroke(page, [band.from, band.to], 12);
  // Another mask class: with the water mask still selected, the brush starts a sand mask.
  await page.getByRole("button", { name: "Sand", exact: true }).click();
  await expect(page.getByRole("button", { name: "Brush", exact: true, pressed: true })).toBeVisible();
  const sandStroke: [Pt, Pt] = [[470, 330], [560, 330]];
  await stroke(page, sandStroke, 12);

  await expect(objectRows(page)).toHaveCount(9);
  await expect(notice).toHaveCount(0);
  await saved(page);
  await snap(page, "tools-02-drawn");
  const before = await annotationOf(api, path, page);

  // Reload: every object comes back from the server, drawn where it was.
  await page.reload();
  await open(page, projectId, item);
  await expect(objectRows(page)).toHaveCount(9);
  await snap(page, "tools-03-reloaded");
  const annotation = await api.get<Annotation>(path);
  expect(annotation.objects.map(content)).toEqual(before.objects.map(content));

  const box = only(annotation, "car").geometry;
  expect(box.type).toBe("box");
  for (const [k, want] of Object.entries({ x: 20, y: 20, w: 80, h: 60 })) near(box[k], want, `box.${k}`);
  await expectColour(page, 60, 50, "car");
  await expectEmpty(page, 110, 50);

  const rotated = only(annotation, "boat").geometry;
  expect(rotated.type).toBe("rotated_box");
  near(rotated["w"], length, "rotated_box.w");
  near(rotated["h"], height, "rotated_box.h");
  near(rotated["cx"], 160 + (normal[0] * height) / 2, "rotated_box.cx");
  near(rotated["cy"], 45 + (normal[1] * height) / 2, "rotated_box.cy");
  expect(Math.abs((rotated["angle"] as number) - (Math.atan2(30, 60) * 180) / Math.PI)).toBeLessThan(1.5);
  await expectColour(page, 155, 56, "boat");
  await expectEmpty(page, 185, 78); // inside its bounding box, outside the turned box

  const lake = only(annotation, "lake");
  expect(lake.geometry.type).toBe("polygon");
  const parts = partsOf(lake);
  expect(parts).toHaveLength(2);
  nearPoints(parts[0]?.outer ?? [], [[220, 20], [270, 8], [320, 20], [330, 118], [220, 110]], "lake outer");
  expect(parts[0]?.holes).toHaveLength(1);
  nearPoints(parts[0]?.holes[0] ?? [], hole, "lake hole");
  nearPoints(parts[1]?.outer ?? [], part, "lake second part");
  expect(parts[1]?.holes).toEqual([]);
  await expectColour(page, 232, 60, "lake");
  await expectEmpty(page, 270, 65); // the hole
  await expectColour(page, 375, 40, "lake"); // the second part
  await expectEmpty(page, 335, 40); // between the parts
  await expectEmpty(page, 270, 122); // where the deleted vertex was

  const road = only(annotation, "road").geometry;
  expect(road.type).toBe("polyline");
  nearPoints(road["points"] as number[][], [[20, 170], [80, 200], [140, 170]], "polyline");
  await expectColour(page, 50, 185, "road");
  await expectEmpty(page, 50, 200);

  const tree = only(annotation, "tree");
  expect(tree.geometry.type).toBe("points");
  nearPoints(keypointsOf(tree).map((k) => [k.x, k.y]), [[30, 250], [60, 280], [90, 250]], "points");
  expect(keypointsOf(tree).map((k) => k.visible)).toEqual([2, 2, 2]);
  await expectColour(page, 60, 280, "tree");
  await expectEmpty(page, 60, 260);

  const person = only(annotation, "person");
  expect(person.geometry.type).toBe("points");
  const keypoints = keypointsOf(person);
  expect(keypoints.map((k) => [k.key, k.visible])).toEqual([["head", 2], ["hip", 2], ["left_foot", 1], ["right_foot", 0]]);
  nearPoints(keypoints.slice(0, 3).map((k) => [k.x, k.y]), [[205, 155], [200, 220], [182, 280]], "skeleton");
  await expectColour(page, 205, 155, "person");
  await expectColour(page, 182, 280, "person");
  await expectEmpty(page, 200, 160); // where the head was laid out
  await expectEmpty(page, 218, 280); // the right foot is not labelled: not drawn

  const cloudShape = only(annotation, "cloud");
  expect(cloudShape.geometry.type).toBe("polygon");
  const cloudRing = partsOf(cloudShape)[0]?.outer ?? [];
  expect(cloudRing.length).toBeGreaterThanOrEqual(12);
  for (const [x, y] of cloudRing) {
    if ((x ?? 0) > cloud.cx + cloud.r - sculptRadius - 4 && Math.abs((y ?? 0) - cloud.cy) < sculptRadius + 4) continue; // the sculpted bulge
    expect(Math.abs(Math.hypot((x ?? 0) - cloud.cx, (y ?? 0) - cloud.cy) - cloud.r), `freehand vertex ${x},${y}`).toBeLessThanOrEqual(TOLERANCE);
  }
  near(Math.max(...cloudRing.map((p) => p[0] ?? 0)), pushedTo, "sculpted outline's right end");
  expect(area(cloudRing) / (Math.PI * cloud.r ** 2)).toBeGreaterThan(1);
  const cloudHoles = partsOf(cloudShape)[0]?.holes ?? [];
  expect(cloudHoles).toHaveLength(1);
  for (const [x, y] of cloudHoles[0] ?? []) {
    expect(Math.abs(Math.hypot((x ?? 0) - cloudHole.cx, (y ?? 0) - cloudHole.cy) - cloudHole.r), `freehand hole vertex ${x},${y}`).toBeLessThanOrEqual(TOLERANCE);
  }
  await expectEmpty(page, cloudHole.cx, cloudHole.cy);
  await expectColour(page, cloud.cx, cloud.cy + 20, "cloud");
  await expectColour(page, pushedTo - 2, cloud.cy, "cloud"); // the bulge
  await expectEmpty(page, cloud.cx, cloud.cy + cloud.r + 3);

  const water = only(annotation, "water").geometry;
  expect(water.type).toBe("mask");
  const mask = rleDecode(water["rle"] as Rle);
  const want = expectedWater(ring, band);
  expect(iou(mask, want), "mask IoU with the strokes' pixels").toBeGreaterThan(0.95);
  await expectColour(page, ring.cx, ring.cy - 30, "water");
  await expectColour(page, ring.cx, ring.cy + 30, "water");
  await expectEmpty(page, ring.cx, ring.cy); // erased
  await expectEmpty(page, ring.cx, ring.cy - ring.r - ring.brush - 3);

  const sand = only(annotation, "sand").geometry;
  expect(sand.type).toBe("mask");
  const sandWant = new Uint8Array(WIDTH * HEIGHT);
  for (let row = 0; row < HEIGHT; row++) {
    for (let col = 0; col < WIDTH; col++) {
      const x = Math.max(sandStroke[0][0], Math.min(sandStroke[1][0], col + 0.5)); // nearest point of the stroke
      if (Math.hypot(col + 0.5 - x, row + 0.5 - sandStroke[0][1]) <= ring.brush) sandWant[row * WIDTH + col] = 1;
    }
  }
  expect(iou(rleDecode(sand["rle"] as Rle), sandWant), "sand mask IoU with the stroke's pixels").toBeGreaterThan(0.9);
  await expectColour(page, 515, 330, "sand");
  await expectEmpty(page, 515, 345);

  // Undo and redo across three tools' edits, each checked in the saved annotation.
  await tool(page, "b", "Box");
  await drag(page, [20, 320], [80, 380]);
  let now = await annotationOf(api, path, page);
  expect(now.objects).toHaveLength(10);
  await tool(page, "v", "Select");
  await click(page, 232, 60);
  await tool(page, "p", "Polygon");
  await drag(page, [220, 110], [210, 125]);
  now = await annotationOf(api, path, page);
  nearPoints(partsOf(only(now, "lake"))[0]?.outer.slice(4) ?? [], [[210, 125]], "moved vertex");
  await tool(page, "v", "Select");
  await click(page, ring.cx, ring.cy - 30);
  await tool(page, "e", "Eraser");
  await stroke(page, [[ring.cx, ring.cy - 60], [ring.cx, ring.cy - 15]], 8);
  now = await annotationOf(api, path, page);
  const erased = rleDecode(only(now, "water").geometry["rle"] as Rle);
  expect(erased.reduce((a, b) => a + b, 0)).toBeLessThan(mask.reduce((a, b) => a + b, 0) - 300);
  await snap(page, "tools-04-three-edits");

  await page.keyboard.press("Control+z"); // the eraser stroke
  now = await annotationOf(api, path, page);
  expect(rleDecode(only(now, "water").geometry["rle"] as Rle)).toEqual(mask);
  await page.keyboard.press("Control+z"); // the vertex move
  now = await annotationOf(api, path, page);
  nearPoints(partsOf(only(now, "lake"))[0]?.outer.slice(4) ?? [], [[220, 110]], "vertex back");
  await page.keyboard.press("Control+Shift+z"); // the vertex move again
  now = await annotationOf(api, path, page);
  nearPoints(partsOf(only(now, "lake"))[0]?.outer.slice(4) ?? [], [[210, 125]], "vertex redone");
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z"); // and the new box
  now = await annotationOf(api, path, page);
  expect(now.objects.map(content)).toEqual(before.objects.map(content));
  await expect(objectRows(page)).toHaveCount(9);
  await expectEmpty(page, 50, 350);
  await expectColour(page, 232, 60, "lake");
  await expect(notice).toHaveCount(0);
  await snap(page, "tools-05-undone");
});
