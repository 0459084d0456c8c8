// Workspace performance in headless Chromium: frame times while panning and zooming a
// 4000x3000 image carrying 500 polygons of 50 vertices, the time from "Next" to the next
// item's image drawn (its image prefetched while the previous item was open), and the size
// of the built client.
//
// Method: a real `pixelwise serve` (embedded: SQLite, local blobs) on a fresh data
// directory with an admin made by `pixelwise users create`; through the API an instruction
// with one polygon class, a dataset of ITEMS uploaded 4000x3000 PNGs and a project; the 500
// polygons (50 vertices each, spread over the image) are saved on the first item with one
// PATCH. Chromium (/usr/bin/chromium, headless, 1600x900 window, devicePixelRatio 1)
// opens the first item. Frames: for SECONDS seconds the mouse alternates wheel zoom
// (about the cursor) and middle-button drags (pan) through Playwright's input, while the
// page records every requestAnimationFrame timestamp; fps = 1000 / the interval between
// frames (median and 5th percentile), and the workspace's own draw time per frame (image +
// annotation) is read from its stage. Next item: after the item has been open for 1.5 s
// (time for the prefetch), the page's clock is read and the Next button clicked; inside the
// page (no round-trips to the test process) two times are taken, each at the start of the
// first animation frame after the drawing it waits for, so the frame that shows it has been
// produced: the new item's image on screen (drawn from the prefetch cache while the item
// and its annotation are read), and ready to edit (item and annotation read from the API,
// image and shapes drawn by the workspace). Repeated for each following item; median.
// Bundle: every file in src/pixelwise/web_dist/assets except source maps, raw and gzip -9.
// DICOM stack (when the shared sample data is there: the 28-slice head CT of
// ../shared/data/dicom/dcm_qa_ct_ge_head, uploaded as one series): slice change, from a
// wheel event dispatched on the canvas to the start of the first animation frame after the
// new slice is drawn (one step every 250 ms, so the read-ahead keeps up as when a person
// scrolls), down 12 slices and back; and frames while the window is dragged with the right
// button for SECONDS / 2 seconds (every move re-windows the 512x512 slice in the page).
//
// Usage: node bench/web_perf.mjs [--seconds 4] [--items 6]   (build first: cd web && npm run build)

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync, gzipSync } from "node:zlib";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(REPO, "web", "package.json"));
const { chromium } = require("@playwright/test");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = option("seconds", 4);
const ITEMS = Math.max(3, option("items", 6));
const WIDTH = 4000;
const HEIGHT = 3000;
const POLYGONS = 500;
const VERTICES = 50;
const PIXELWISE = process.env.PIXELWISE_BIN ?? join(REPO, ".venv", "bin", "pixelwise");
const ASSETS = join(REPO, "src", "pixelwise", "web_dist", "assets");
const HEAD_CT = join(REPO, "..", "shared", "data", "dicom", "dcm_qa_ct_ge_head");

// ---- PNG of a test pattern -------------------------------------------------------------
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(width, height, seed) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const stride = width * 3 + 1;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const o = y * stride;
    rows[o] = 0;
    for (let x = 0; x < width; x++) {
      const p = o + 1 + x * 3;
      rows[p] = (x >> 4) + seed * 20;
      rows[p + 1] = y >> 4;
      rows[p + 2] = ((x ^ y) >> 5) & 0xff;
    }
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows, { level: 1 })), chunk("IEND", Buffer.alloc(0))]);
}

// ---- server ------------------------------------------------------------------------------
function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function startServer() {
  const home = mkdtempSync(join(tmpdir(), "pixelwise-webperf-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PIXELWISE_")));
  Object.assign(env, { PIXELWISE_HOME: home, PIXELWISE_ARGON2_TIME_COST: "1", PIXELWISE_ARGON2_MEMORY_KIB: "64", PIXELWISE_LOG_FORMAT: "text" });
  const email = "bench@example.org";
  const password = randomBytes(12).toString("base64url");
  const made = spawnSync(PIXELWISE, ["users", "create", "--email", email, "--admin", "--password-stdin"], { env, input: `${password}\n`, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`pixelwise users create failed: ${made.stderr}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(PIXELWISE, ["serve", "--host", "127.0.0.1", "--port", String(port)], { env, stdio: "ignore" });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || server.exitCode !== null) throw new Error("pixelwise serve did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
    rmSync(home, { recursive: true, force: true });
  };
  return { url, email, password, stop };
}

async function api(request, url, method, path, data, headers, multipart) {
  const answer = await request.fetch(`${url}${path}`, { method, headers, ...(data === undefined ? {} : { data }), ...(multipart === undefined ? {} : { multipart }) });
  if (!answer.ok()) throw new Error(`${method} ${path}: ${answer.status()} ${await answer.text()}`);
  return answer.json();
}

function polygons() {
  const objects = [];
  const columns = 25;
  const cell = WIDTH / columns;
  const rowsH = HEIGHT / Math.ceil(POLYGONS / columns);
  for (let i = 0; i < POLYGONS; i++) {
    const cx = (i % columns + 0.5) * cell;
    const cy = (Math.floor(i / columns) + 0.5) * rowsH;
    const outer = [];
    for (let k = 0; k < VERTICES; k++) {
      const a = (k / VERTICES) * Math.PI * 2;
      const r = Math.min(cell, rowsH) * (0.3 + 0.1 * Math.sin(a * 5 + i));
      outer.push([Math.round((cx + r * Math.cos(a)) * 10) / 10, Math.round((cy + r * Math.sin(a)) * 10) / 10]);
    }
    objects.push({ class: "region", geometry: { type: "polygon", parts: [{ outer, holes: [] }] }, attributes: {}, source: "manual", z_order: i });
  }
  return objects;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
};

function bundle() {
  let raw = 0;
  let gzip = 0;
  const files = [];
  for (const name of readdirSync(ASSETS)) {
    if (name.endsWith(".map")) continue;
    const bytes = readFileSync(join(ASSETS, name));
    raw += bytes.length;
    const packed = gzipSync(bytes, { level: 9 }).length;
    gzip += packed;
    files.push(`${name} ${(bytes.length / 1024).toFixed(1)} KiB (gzip ${(packed / 1024).toFixed(1)} KiB)`);
  }
  return { raw, gzip, files };
}

async function dicomStack(context, server, headers, instructionId) {
  const request = context.request;
  const dataset = await api(request, server.url, "POST", "/api/datasets", { name: "bench ct" }, headers);
  const files = {};
  for (const [i, name] of readdirSync(HEAD_CT).filter((n) => n.endsWith(".dcm")).entries()) files[`f${i}`] = { name: `ct/${name}`, mimeType: "application/dicom", buffer: readFileSync(join(HEAD_CT, name)) };
  const job = await api(request, server.url, "POST", `/api/datasets/${dataset.id}/uploads`, undefined, headers, files);
  for (;;) {
    const state = (await api(request, server.url, "GET", `/api/jobs/${job.id}`)).state;
    if (state === "done") break;
    if (state === "failed" || state === "cancelled") throw new Error(`DICOM upload job ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const project = await api(request, server.url, "POST", "/api/projects", { name: "bench ct", dataset_id: dataset.id, instruction_id: instructionId }, headers);
  const [item] = (await api(request, server.url, "GET", `/api/projects/${project.id}/items?limit=10`)).items;
  const page = await context.newPage();
  await page.goto(`${server.url}/projects/${project.id}/items/${item.id}`);
  await page.waitForFunction((id) => window.__pixelwise?.itemId === id && window.__pixelwise.stage.stats.imageDrawnAt !== null && window.__pixelwise.stage.shownSlice !== undefined, item.id, { timeout: 30_000 });
  await page.waitForTimeout(1000);
  const steps = await page.evaluate(async () => {
    const canvas = document.querySelector("[data-testid=annotation-canvas]");
    const stage = window.__pixelwise.stage;
    const times = [];
    for (const direction of [1, -1]) {
      for (let i = 0; i < 12; i++) {
        const expected = stage.shownSlice + direction;
        const t0 = performance.now();
        canvas.dispatchEvent(new WheelEvent("wheel", { deltaY: 100 * direction, bubbles: true, cancelable: true }));
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          if (stage.shownSlice === expected) break;
          if (performance.now() - t0 > 10_000) throw new Error(`slice ${expected} was not shown`);
        }
        await new Promise((r) => requestAnimationFrame(r)); // the frame that drew it is done
        times.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return times;
  });
  const box = await page.getByTestId("annotation-canvas").boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.evaluate(() => {
    const stamps = [];
    window.__benchFrames = stamps;
    window.__benchRun = true;
    const tick = (t) => {
      stamps.push(t);
      if (window.__benchRun) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(cx, cy);
  await page.mouse.down({ button: "right" });
  const until = Date.now() + (SECONDS * 1000) / 2;
  for (let step = 0; Date.now() < until; step++) await page.mouse.move(cx + 150 * Math.sin(step / 6), cy + 100 * Math.cos(step / 8));
  await page.mouse.up({ button: "right" });
  const stamps = await page.evaluate(() => {
    window.__benchRun = false;
    return window.__benchFrames;
  });
  await page.close();
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  return { steps, frames: stamps.length, median: quantile(intervals, 0.5), slow: quantile(intervals, 0.95) };
}

async function main() {
  if (!existsSync(ASSETS) || readdirSync(ASSETS).length === 0) throw new Error("no client build: run `cd web && npm run build` first");
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    const request = context.request;
    const login = await api(request, server.url, "POST", "/api/auth/login", { email: server.email, password: server.password });
    const headers = { "X-CSRF-Token": login.csrf_token };
    const instruction = await api(request, server.url, "POST", "/api/instructions", {
      name: "bench",
      document: { classes: [{ key: "region", name: "Region", color: "#22c55e", tool: "polygon", hotkey: "1" }] },
    }, headers);
    const dataset = await api(request, server.url, "POST", "/api/datasets", { name: "bench" }, headers);
    const started = Date.now();
    const files = {};
    for (let i = 0; i < ITEMS; i++) files[`f${i}`] = { name: `img${String(i).padStart(2, "0")}.png`, mimeType: "image/png", buffer: png(WIDTH, HEIGHT, i) };
    const job = await api(request, server.url, "POST", `/api/datasets/${dataset.id}/uploads`, undefined, headers, files);
    for (;;) {
      const state = (await api(request, server.url, "GET", `/api/jobs/${job.id}`)).state;
      if (state === "done") break;
      if (state === "failed" || state === "cancelled") throw new Error(`upload job ${state}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const project = await api(request, server.url, "POST", "/api/projects", { name: "bench", dataset_id: dataset.id, instruction_id: instruction.instruction_id }, headers);
    const items = (await api(request, server.url, "GET", `/api/projects/${project.id}/items?limit=100`)).items;
    const first = items[0];
    await api(request, server.url, "PATCH", `/api/projects/${project.id}/items/${first.id}/annotation`, { request_id: "bench-1", base_revision: 0, put: polygons() }, headers);
    console.log(`setup: ${ITEMS} images ${WIDTH}x${HEIGHT}, ${POLYGONS} polygons x ${VERTICES} vertices on item ${first.id} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const page = await context.newPage();
    await page.goto(`${server.url}/projects/${project.id}/items/${first.id}`);
    await page.waitForFunction((id) => window.__pixelwise?.itemId === id && window.__pixelwise.stage.stats.imageDrawnAt !== null && window.__pixelwise.session.doc.size > 0, first.id, { timeout: 30_000 });
    await page.waitForTimeout(500);

    // Frames while panning and zooming.
    const box = await page.getByTestId("annotation-canvas").boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.evaluate(() => {
      const stamps = [];
      window.__benchFrames = stamps;
      window.__benchDraw0 = window.__pixelwise.stage.stats.frames;
      window.__benchRun = true;
      const tick = (t) => {
        stamps.push(t);
        if (window.__benchRun) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const until = Date.now() + SECONDS * 1000;
    let step = 0;
    await page.mouse.move(cx, cy);
    while (Date.now() < until) {
      const phase = Math.floor(step / 30) % 4;
      if (phase === 0 || phase === 2) {
        await page.mouse.move(cx + 200 * Math.sin(step / 7), cy + 120 * Math.cos(step / 9));
        await page.mouse.wheel(0, phase === 0 ? -40 : 40);
      } else {
        if (step % 30 === 0) await page.mouse.down({ button: "middle" });
        await page.mouse.move(cx + 300 * Math.sin(step / 5), cy + 200 * Math.cos(step / 6));
        if (step % 30 === 29) await page.mouse.up({ button: "middle" });
      }
      step += 1;
    }
    await page.mouse.up({ button: "middle" });
    const frames = await page.evaluate(() => {
      window.__benchRun = false;
      const stats = window.__pixelwise.stage.stats;
      const drawn = stats.frames - window.__benchDraw0;
      return { stamps: window.__benchFrames, draw: stats.drawMs.slice(-Math.min(drawn, stats.drawMs.length)), drawn };
    });
    const intervals = frames.stamps.slice(1).map((t, i) => t - frames.stamps[i]);
    const medianInterval = quantile(intervals, 0.5);
    const slowInterval = quantile(intervals, 0.95);

    // Next item, with the next image prefetched while the current one is open.
    const nextTimes = [];
    const readyTimes = [];
    for (let i = 1; i < items.length; i++) {
      await page.waitForTimeout(1500);
      const ms = await page.evaluate(async (expected) => {
        const t0 = performance.now();
        document.querySelector("[data-action=next]").click();
        let shown = null;
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          // Both are checked at the start of a frame: the frame that drew them is done.
          const image = window.__pixelwiseImage;
          if (shown === null && image?.itemId === expected) shown = image.at - t0;
          const ws = window.__pixelwise;
          if (shown !== null && ws?.itemId === expected && ws.stage.stats.imageDrawnAt !== null && ws.stage.stats.frames > 0) return { shown, ready: performance.now() - t0 };
          if (performance.now() - t0 > 20_000) return { shown: NaN, ready: NaN };
        }
      }, items[i].id);
      nextTimes.push(ms.shown);
      readyTimes.push(ms.ready);
    }
    const stack = existsSync(HEAD_CT) ? await dicomStack(context, server, headers, instruction.instruction_id) : null;
    const size = bundle();

    console.log("");
    console.log(`Frames while panning and zooming (${SECONDS} s, ${frames.stamps.length} animation frames, ${frames.drawn} workspace redraws):`);
    console.log(`  median ${(1000 / medianInterval).toFixed(1)} fps (frame interval ${medianInterval.toFixed(2)} ms), 5th percentile ${(1000 / slowInterval).toFixed(1)} fps (${slowInterval.toFixed(2)} ms)`);
    console.log(`  workspace draw time per frame: median ${quantile(frames.draw, 0.5).toFixed(2)} ms, p95 ${quantile(frames.draw, 0.95).toFixed(2)} ms, max ${Math.max(...frames.draw).toFixed(2)} ms`);
    console.log(`Next item to its image on screen (prefetched image), ${nextTimes.length} moves: p50 ${quantile(nextTimes, 0.5).toFixed(1)} ms, max ${Math.max(...nextTimes).toFixed(1)} ms  [${nextTimes.map((t) => t.toFixed(0)).join(", ")}]`);
    console.log(`Next item to ready to edit (item and annotation read, shapes drawn): p50 ${quantile(readyTimes, 0.5).toFixed(1)} ms, max ${Math.max(...readyTimes).toFixed(1)} ms  [${readyTimes.map((t) => t.toFixed(0)).join(", ")}]`);
    if (stack === null) console.log(`DICOM stack: skipped (no sample series at ${HEAD_CT})`);
    else {
      console.log(`DICOM slice change (wheel to slice drawn, read ahead), ${stack.steps.length} steps: p50 ${quantile(stack.steps, 0.5).toFixed(1)} ms, p95 ${quantile(stack.steps, 0.95).toFixed(1)} ms, max ${Math.max(...stack.steps).toFixed(1)} ms`);
      console.log(`Frames while dragging the window (${stack.frames} animation frames): median ${(1000 / stack.median).toFixed(1)} fps, 5th percentile ${(1000 / stack.slow).toFixed(1)} fps`);
    }
    console.log(`Bundle (src/pixelwise/web_dist/assets, no source maps): ${(size.raw / 1024).toFixed(1)} KiB, gzip ${(size.gzip / 1024).toFixed(1)} KiB`);
    for (const line of size.files) console.log(`  ${line}`);
    console.log("");
    console.log(`Targets: >= 50 fps median: ${1000 / medianInterval >= 50 ? "met" : "NOT met"}; <= 150 ms p50 next item: ${quantile(nextTimes, 0.5) <= 150 ? "met" : "NOT met"}`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
