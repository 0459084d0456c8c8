// A Canvas 2D context seen in CSS pixels, for the engine's renderer: canvases are sized in
// device pixels (devicePixelRatio) while the engine and the viewport work in CSS pixels, so
// every transform set through it is multiplied by the ratio.

import type { Surface } from "../../engine/render";

/** A Canvas 2D context seen in CSS pixels: every transform is multiplied by `ratio`. */
export class ScaledSurface implements Surface {
  constructor(
    readonly ctx: CanvasRenderingContext2D,
    public ratio: number,
  ) {}
  get fillStyle() { return this.ctx.fillStyle; }
  set fillStyle(v) { this.ctx.fillStyle = v; }
  get strokeStyle() { return this.ctx.strokeStyle; }
  set strokeStyle(v) { this.ctx.strokeStyle = v; }
  get lineWidth() { return this.ctx.lineWidth; }
  set lineWidth(v) { this.ctx.lineWidth = v; }
  get globalAlpha() { return this.ctx.globalAlpha; }
  set globalAlpha(v) { this.ctx.globalAlpha = v; }
  get imageSmoothingEnabled() { return this.ctx.imageSmoothingEnabled; }
  set imageSmoothingEnabled(v) { this.ctx.imageSmoothingEnabled = v; }
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    const r = this.ratio;
    this.ctx.setTransform(a * r, b * r, c * r, d * r, e * r, f * r);
  }
  clearRect(x: number, y: number, w: number, h: number): void { this.ctx.clearRect(x, y, w, h); }
  beginPath(): void { this.ctx.beginPath(); }
  moveTo(x: number, y: number): void { this.ctx.moveTo(x, y); }
  lineTo(x: number, y: number): void { this.ctx.lineTo(x, y); }
  closePath(): void { this.ctx.closePath(); }
  rect(x: number, y: number, w: number, h: number): void { this.ctx.rect(x, y, w, h); }
  arc(x: number, y: number, radius: number, start: number, end: number): void { this.ctx.arc(x, y, radius, start, end); }
  fill(rule?: CanvasFillRule): void { this.ctx.fill(rule); }
  stroke(): void { this.ctx.stroke(); }
  setLineDash(segments: number[]): void { this.ctx.setLineDash(segments); }
  drawImage(image: CanvasImageSource, dx: number, dy: number, dw: number, dh: number): void { this.ctx.drawImage(image, dx, dy, dw, dh); }
}
