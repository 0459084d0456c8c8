// Test helpers for tool state machines: a document, history, selection and viewport
// wired into a tool context, and pointer events given in screen pixels and converted
// through the viewport, as the workspace does.

import { AnnotationDocument, type AnnotationObject } from "../document";
import { History } from "../history";
import { Selection } from "../selection";
import { Viewport } from "../viewport";
import { createToolContext, type KeyInput, type PointerInput, type Tool, type ToolContext } from "./tool";

export interface Harness {
  ctx: ToolContext;
  doc: AnnotationDocument;
  history: History;
  problems: string[];
  /** Pointer at image (x, y): converted to screen and back, as real events are. */
  down(x: number, y: number, mods?: Partial<PointerInput>): void;
  move(x: number, y: number, mods?: Partial<PointerInput>): void;
  up(x: number, y: number, mods?: Partial<PointerInput>): void;
  click(x: number, y: number, mods?: Partial<PointerInput>): void;
  drag(from: [number, number], to: [number, number], mods?: Partial<PointerInput>): void;
  key(key: string, mods?: Partial<KeyInput>): boolean;
  only(): AnnotationObject;
}

export function harness(tool: Tool, objects: AnnotationObject[] = [], scale = 2): Harness {
  const doc = new AnnotationDocument(objects);
  const history = new History(doc);
  const viewport = new Viewport(800, 600, 100, 80);
  viewport.zoomTo(scale, 0, 0);
  viewport.panBy(30, 20);
  let next = 0;
  const problems: string[] = [];
  const ctx = createToolContext({
    doc,
    history,
    viewport,
    selection: new Selection(),
    image: { width: 100, height: 80 },
    classKey: "thing",
    newId: () => `o${++next}`,
    onProblem: (m) => problems.push(m),
  });
  const input = (x: number, y: number, mods: Partial<PointerInput> = {}): PointerInput => {
    const [sx, sy] = viewport.toScreen(x, y);
    const [ix, iy] = viewport.toImage(sx, sy);
    return { x: ix, y: iy, button: 0, shift: false, ctrl: false, alt: false, ...mods };
  };
  const h: Harness = {
    ctx,
    doc,
    history,
    problems,
    down: (x, y, m) => tool.pointerDown(input(x, y, m), ctx),
    move: (x, y, m) => tool.pointerMove(input(x, y, m), ctx),
    up: (x, y, m) => tool.pointerUp(input(x, y, m), ctx),
    click: (x, y, m) => {
      h.down(x, y, m);
      h.up(x, y, m);
    },
    drag: (from, to, m) => {
      h.down(from[0], from[1], m);
      for (let i = 1; i <= 4; i++) h.move(from[0] + ((to[0] - from[0]) * i) / 4, from[1] + ((to[1] - from[1]) * i) / 4, m);
      h.up(to[0], to[1], m);
    },
    key: (key, m) => tool.keyDown({ key, shift: false, ctrl: false, alt: false, ...m }, ctx),
    only: () => {
      const all = doc.ordered();
      if (all.length !== 1) throw new Error(`expected one object, found ${all.length}`);
      return all[0] as AnnotationObject;
    },
  };
  return h;
}

export function polygonObject(id: string, outer: [number, number][], z = 0): AnnotationObject {
  return { id, class: "thing", geometry: { type: "polygon", parts: [{ outer, holes: [] }] }, attributes: {}, source: "manual", z_order: z };
}
