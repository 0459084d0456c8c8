// The contract every drawing tool implements, and what tools are given. Tools receive
// pointer input already in image coordinates (the workspace converts through the
// viewport), keep their own state machine, describe a transient overlay for the renderer,
// and change the annotation only through history commands, so every result is undoable.
// Assisted tools (click-to-mask, superpixel brush, live-wire) fit the same interface:
// they may compute asynchronously and execute their command when the answer arrives.

import type { AnnotationDocument, AnnotationObject, Source } from "../document";
import { newObjectId } from "../document";
import { GeometryError, validateGeometry } from "../clip";
import { addCommand, geometryCommand, type History } from "../history";
import type { MaskBuffer } from "../mask";
import type { Selection } from "../selection";
import type { Geometry, Point, Size } from "../shapes";
import type { Viewport } from "../viewport";

export interface PointerInput {
  /** Image coordinates (pixels of the original asset). */
  readonly x: number;
  readonly y: number;
  /** 0 primary, 1 middle, 2 secondary. */
  readonly button: number;
  readonly shift: boolean;
  /** ctrlKey or, on macOS, metaKey. */
  readonly ctrl: boolean;
  readonly alt: boolean;
  /** Click count of a pointer down (2 for the second click of a double click). */
  readonly clicks?: number;
}

export interface KeyInput {
  readonly key: string;
  readonly shift: boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
}

export type OverlayItem =
  | { readonly kind: "path"; readonly points: readonly Point[]; readonly closed: boolean }
  | { readonly kind: "handles"; readonly points: readonly Point[]; readonly active?: number }
  | { readonly kind: "circle"; readonly center: Point; readonly radius: number }
  | { readonly kind: "rect"; readonly x: number; readonly y: number; readonly w: number; readonly h: number }
  /** An object being edited, drawn instead of its stored shape (`id` null: a new one). */
  | { readonly kind: "shape"; readonly id: string | null; readonly classKey: string; readonly geometry: Geometry }
  /** A mask being painted, drawn instead of the stored mask. */
  | { readonly kind: "mask"; readonly id: string | null; readonly classKey: string; readonly mask: MaskBuffer };

export interface ToolContext {
  readonly doc: AnnotationDocument;
  readonly history: History;
  readonly viewport: Viewport;
  readonly selection: Selection;
  /** The asset plane (width x height pixels). */
  readonly image: Size;
  /** The class new objects get; null when none is chosen (drawing tools do nothing). */
  classKey: string | null;
  /** The slice or frame shown; new shapes are placed on it. */
  slice?: number | null;
  frame?: number | null;
  /** Hit tolerance in screen pixels. */
  tolerance: number;
  source: Source;
  newId: () => string;
  /** Default attribute values of a class (from the instruction). */
  defaultAttributes: (classKey: string) => Record<string, unknown>;
  /** Told when an edit is refused (a shape the server would reject). */
  onProblem: (message: string) => void;
}

export interface Tool {
  readonly name: string;
  pointerDown(input: PointerInput, ctx: ToolContext): void;
  pointerMove(input: PointerInput, ctx: ToolContext): void;
  pointerUp(input: PointerInput, ctx: ToolContext): void;
  /** True when the key was used (the workspace then stops it). */
  keyDown(input: KeyInput, ctx: ToolContext): boolean;
  /** Drops any half-made shape or drag (tool switch, Escape, focus loss). */
  cancel(ctx: ToolContext): void;
  overlay(ctx: ToolContext): readonly OverlayItem[];
}

export function createToolContext(
  parts: Pick<ToolContext, "doc" | "history" | "viewport" | "selection" | "image"> & Partial<ToolContext>,
): ToolContext {
  return {
    classKey: null,
    tolerance: 6,
    source: "manual",
    newId: newObjectId,
    defaultAttributes: () => ({}),
    onProblem: () => undefined,
    ...parts,
  };
}

/** Image-pixel length of the context's screen tolerance. */
export function tolerance(ctx: ToolContext): number {
  return ctx.viewport.screenToImageLength(ctx.tolerance);
}

/** The point moved inside the image plane. */
export function clampToImage(p: Point, image: Size): Point {
  return [Math.min(Math.max(p[0], 0), image.width), Math.min(Math.max(p[1], 0), image.height)];
}

export function pointOf(input: PointerInput): Point {
  return [input.x, input.y];
}

function onPlane(geometry: Geometry, ctx: ToolContext): Geometry {
  const placed: { slice?: number; frame?: number } = {};
  if (ctx.slice != null && geometry.type !== "mask3d") placed.slice = ctx.slice;
  if (ctx.frame != null) placed.frame = ctx.frame;
  return Object.keys(placed).length > 0 ? ({ ...geometry, ...placed } as Geometry) : geometry;
}

/** The shape after the server's rules, or null (and `onProblem`) when it would refuse it. */
export function checked(geometry: Geometry, ctx: ToolContext): Geometry | null {
  try {
    return validateGeometry(geometry, ctx.image).geometry;
  } catch (error) {
    if (error instanceof GeometryError) {
      ctx.onProblem(error.message);
      return null;
    }
    throw error;
  }
}

/** Adds a new object of the active class with `geometry` (checked), selects it and
 * returns its id; null when no class is active or the shape is refused. */
export function addObject(ctx: ToolContext, geometry: Geometry, classKey = ctx.classKey): string | null {
  if (classKey === null) {
    ctx.onProblem("Choose a class before drawing.");
    return null;
  }
  const shape = checked(onPlane(geometry, ctx), ctx);
  if (shape === null) return null;
  const object: AnnotationObject = {
    id: ctx.newId(),
    class: classKey,
    geometry: shape,
    attributes: ctx.defaultAttributes(classKey),
    source: ctx.source,
    z_order: ctx.doc.size === 0 ? 0 : ctx.doc.maxZ() + 1,
  };
  ctx.history.execute(addCommand(object, `add ${geometry.type}`));
  ctx.selection.set([object.id]);
  return object.id;
}

/** Replaces an object's geometry (checked); false when refused or unchanged. */
export function updateGeometry(ctx: ToolContext, id: string, geometry: Geometry, label = "edit shape"): boolean {
  const object = ctx.doc.get(id);
  if (object === undefined || object.geometry === geometry) return false;
  const shape = checked(geometry, ctx);
  if (shape === null) return false;
  ctx.history.execute(geometryCommand(ctx.doc, id, shape, label));
  return true;
}

/** The single selected, unlocked object when its geometry has one of `types`. */
export function selectedOfType<T extends Geometry["type"]>(
  ctx: ToolContext,
  ...types: T[]
): (AnnotationObject & { geometry: Extract<Geometry, { type: T }> }) | null {
  const id = ctx.selection.single();
  const object = id === null ? undefined : ctx.doc.get(id);
  if (object === undefined || object.locked || object.hidden) return null;
  if (!(types as string[]).includes(object.geometry.type)) return null;
  return object as AnnotationObject & { geometry: Extract<Geometry, { type: T }> };
}
