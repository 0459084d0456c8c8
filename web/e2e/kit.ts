// What the workspace browser tests share: the admin's API session, PNG files made in
// memory, and the mouse, keyboard and pixel helpers that work in image coordinates.

import { deflateSync } from "node:zlib";
import { type APIRequestContext, type BrowserContext, expect, type Page, test } from "@playwright/test";
import { e2eServer } from "./server";

export const server = e2eServer();

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of one grey level. */
export function png(width: number, height: number, grey: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height, grey);
  for (let y = 0; y < height; y++) rows[y * (width * 3 + 1)] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, data: unknown): Promise<T>;
  patch<T>(path: string, data: unknown): Promise<T>;
  upload<T>(path: string, files: Record<string, Buffer>): Promise<T>;
}

/** The admin's own API session (not the browser's, so offline emulation does not touch it). */
export async function adminApi(request: APIRequestContext): Promise<Api> {
  const login = await request.post(`${server.url}/api/auth/login`, { data: { email: server.email, password: server.password } });
  expect(login.status()).toBe(200);
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const headers = { "X-CSRF-Token": csrf };
  const check = async <T>(answer: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<T> => {
    expect(answer.ok(), `${answer.url()}: ${answer.status()} ${await answer.text()}`).toBe(true);
    return (await answer.json()) as T;
  };
  return {
    get: async (path) => check(await request.get(`${server.url}${path}`)),
    post: async (path, data) => check(await request.post(`${server.url}${path}`, { data, headers })),
    patch: async (path, data) => check(await request.patch(`${server.url}${path}`, { data, headers })),
    upload: async (path, files) =>
      check(
        await request.post(`${server.url}${path}`, {
          headers,
          multipart: Object.fromEntries(Object.entries(files).map(([name, buffer], i) => [`file${i}`, { name, mimeType: "image/png", buffer }])),
        }),
      ),
  };
}

export async function signIn(context: BrowserContext): Promise<void> {
  const login = await context.request.post(`${server.url}/api/auth/login`, { data: { email: server.email, password: server.password } });
  expect(login.status()).toBe(200);
}

export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

/** Opens an item and waits until its image is drawn. */
export async function open(page: Page, projectId: number, item: number): Promise<void> {
  await page.goto(`${server.url}/projects/${projectId}/items/${item}`);
  await expect.poll(() => page.evaluate((id) => window.__pixelwise?.itemId === id && window.__pixelwise.stage.stats.imageDrawnAt !== null, item)).toBe(true);
}

/** Page coordinates of an image point. */
export async function at(page: Page, x: number, y: number): Promise<[number, number]> {
  return page.evaluate(
    ([ix, iy]) => {
      const ws = window.__pixelwise;
      if (ws === undefined) throw new Error("no workspace");
      const rect = document.querySelector("[data-testid=annotation-canvas]")?.getBoundingClientRect();
      const [sx, sy] = ws.stage.viewport.toScreen(ix, iy);
      return [sx + (rect?.left ?? 0), sy + (rect?.top ?? 0)] as [number, number];
    },
    [x, y] as const,
  );
}

export async function drag(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.mouse.move(...(await at(page, ...from)));
  await page.mouse.down();
  await page.mouse.move(...(await at(page, ...to)), { steps: 6 });
  await page.mouse.up();
}

export async function click(page: Page, x: number, y: number): Promise<void> {
  await page.mouse.click(...(await at(page, x, y)));
  await page.waitForTimeout(450); // not a double click
}

/** RGBA of the annotation canvas at an image point. */
export async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([ix, iy]) => {
      const ws = window.__pixelwise;
      const canvas = document.querySelector<HTMLCanvasElement>("[data-testid=annotation-canvas]");
      if (ws === undefined || canvas === null) throw new Error("no canvas");
      const [sx, sy] = ws.stage.viewport.toScreen(ix, iy);
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const data = canvas.getContext("2d")?.getImageData(Math.round(sx * ratio), Math.round(sy * ratio), 1, 1).data;
      return data === undefined ? [] : [...data];
    },
    [x, y] as const,
  );
}

export interface Annotation {
  revision: number;
  objects: { id: string; class: string; geometry: Record<string, unknown> & { type: string }; attributes: Record<string, unknown> }[];
  answers: Record<string, unknown>;
}

/** A key pressed on the canvas (keys typed into a form field are not shortcuts). */
export async function key(page: Page, name: string): Promise<void> {
  await page.getByTestId("annotation-canvas").focus();
  await page.keyboard.press(name);
}

export const saved = (page: Page) => expect(page.getByTestId("save-state")).toHaveAttribute("data-state", "saved");
export const objectRows = (page: Page) => page.getByTestId("objects").locator("li");


/** Presses at the first image point, moves through the others (one pointer move each,
 * `steps` between two points) and releases at the last: a freehand path or brush stroke. */
export async function stroke(page: Page, points: readonly (readonly [number, number])[], steps = 1): Promise<void> {
  const [first, ...rest] = points;
  if (first === undefined) return;
  await page.mouse.move(...(await at(page, first[0], first[1])));
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(...(await at(page, x, y)), { steps });
  await page.mouse.up();
}

/** A click at an image point with a modifier key held ("Alt", "Shift", "Control"). */
export async function clickWith(page: Page, modifier: string, x: number, y: number): Promise<void> {
  await page.keyboard.down(modifier);
  await page.mouse.click(...(await at(page, x, y)));
  await page.keyboard.up(modifier);
  await page.waitForTimeout(450); // not a double click
}

/** A double click at an image point. */
export async function doubleClick(page: Page, x: number, y: number): Promise<void> {
  await page.mouse.dblclick(...(await at(page, x, y)));
  await page.waitForTimeout(450);
}
