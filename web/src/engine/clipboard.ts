// Copy, paste and duplicate of objects. Copies keep class, shape, attributes and source
// and get new ids; they go on top of the drawing order as one undoable command. Pasted on
// the item they were copied from they move a little (10 px per paste, away from the
// border), on another item they keep their coordinates, so the previous frame's objects
// land in the same place on the next one. Shapes are then moved into the image plane and
// checked like a drawn shape; one the server would refuse (or a mask of another size) is
// left out and named.

import { GeometryError, validateGeometry } from "./clip";
import { translate } from "./edit";
import type { AnnotationDocument, AnnotationObject } from "./document";
import type { Command } from "./history";
import { cachedBbox } from "./measure";
import type { Geometry, Point, Size } from "./shapes";

export const PASTE_OFFSET = 10;

export interface PasteResult {
  readonly command: Command;
  /** Ids of the new objects, in drawing order. */
  readonly ids: readonly string[];
  /** Why objects were left out, one line each. */
  readonly skipped: readonly string[];
}

function clampPoint(x: number, y: number, size: Size): Point {
  return [Math.min(Math.max(x, 0), size.width), Math.min(Math.max(y, 0), size.height)];
}

/** The shape with every vertex moved inside the plane (boxes are clipped by the check). */
function intoPlane(geometry: Geometry, size: Size): Geometry {
  const ring = (points: readonly Point[]): Point[] => points.map((p) => clampPoint(p[0], p[1], size));
  switch (geometry.type) {
    case "polygon":
      return { ...geometry, parts: geometry.parts.map((p) => ({ outer: ring(p.outer), holes: p.holes.map(ring) })) };
    case "polyline":
      return { ...geometry, points: ring(geometry.points) };
    case "points":
      return {
        ...geometry,
        points: geometry.points.map((k) => {
          const [x, y] = clampPoint(k.x, k.y, size);
          return { ...k, x, y };
        }),
      };
    case "rotated_box": {
      const [cx, cy] = clampPoint(geometry.cx, geometry.cy, size);
      return { ...geometry, cx, cy };
    }
    default:
      return geometry;
  }
}

/** The offset along one axis: `step` forwards, or backwards when that would leave the plane. */
function axisOffset(start: number, length: number, limit: number, step: number): number {
  if (step === 0) return 0;
  if (start + length + step <= limit) return step;
  if (start - step >= 0) return -step;
  return 0;
}

/** A copy of `geometry` moved by `offset` (away from the border) and placed in the plane;
 * null with the reason when it cannot be placed there. */
export function placeCopy(geometry: Geometry, offset: number, size: Size): { geometry: Geometry } | { problem: string } {
  if (geometry.type === "mask" && (geometry.rle.size[0] !== size.height || geometry.rle.size[1] !== size.width)) {
    return { problem: `a mask of ${geometry.rle.size[1]}x${geometry.rle.size[0]} pixels does not fit this ${size.width}x${size.height} image` };
  }
  if (geometry.type === "mask3d") {
    if (geometry.slices.some((s) => s.rle.size[0] !== size.height || s.rle.size[1] !== size.width)) {
      return { problem: `a 3D mask of another size does not fit this ${size.width}x${size.height} image` };
    }
    return { geometry };
  }
  let moved: Geometry = geometry;
  if (offset !== 0) {
    const box = cachedBbox(geometry);
    moved = translate(geometry, axisOffset(box.x, box.w, size.width, offset), axisOffset(box.y, box.h, size.height, offset));
  }
  try {
    return { geometry: validateGeometry(intoPlane(moved, size), size).geometry };
  } catch (error) {
    if (error instanceof GeometryError) return { problem: error.message };
    throw error;
  }
}

export interface CopyOptions {
  /** Pixels to move each copy by (0: same place). */
  readonly offset: number;
  /** The plane of the item pasted on. */
  readonly image: Size;
  readonly newId: () => string;
  /** Whether the item's instruction has the class (copies of unknown classes are left out). */
  readonly hasClass: (classKey: string) => boolean;
  /** The slice shown, for planar shapes pasted on a stack. */
  readonly slice?: number | null;
}

/** The command that adds copies of `objects` on top of `doc`'s drawing order. */
export function copiesCommand(doc: AnnotationDocument, objects: readonly AnnotationObject[], options: CopyOptions): PasteResult {
  const ordered = [...objects].sort((a, b) => a.z_order - b.z_order);
  let z = doc.size === 0 ? 0 : doc.maxZ() + 1;
  const changes: Command["changes"][number][] = [];
  const ids: string[] = [];
  const skipped: string[] = [];
  for (const source of ordered) {
    if (!options.hasClass(source.class)) {
      skipped.push(`class "${source.class}" is not in this item's instruction`);
      continue;
    }
    const placed = placeCopy(source.geometry, options.offset, options.image);
    if ("problem" in placed) {
      skipped.push(placed.problem);
      continue;
    }
    let geometry = placed.geometry;
    if (options.slice != null && geometry.type !== "mask3d" && geometry.slice != null) geometry = { ...geometry, slice: options.slice };
    const { hidden: _hidden, locked: _locked, ...content } = source;
    const copy: AnnotationObject = { ...content, id: options.newId(), geometry, z_order: z++ };
    changes.push({ id: copy.id, before: null, after: copy });
    ids.push(copy.id);
  }
  const label = ids.length === 1 ? "paste" : `paste ${ids.length} objects`;
  return { command: { label, changes }, ids, skipped };
}

/** What was copied last, and from which item. */
export interface Clip {
  readonly source: string;
  readonly objects: readonly AnnotationObject[];
}

/** The copied objects of this tab, kept across items (the workspace holds one). */
export class ObjectClipboard {
  private clip: Clip | null = null;
  private pastes = 0;

  get isEmpty(): boolean {
    return this.clip === null || this.clip.objects.length === 0;
  }

  get size(): number {
    return this.clip?.objects.length ?? 0;
  }

  copy(source: string, objects: readonly AnnotationObject[]): void {
    this.clip = { source, objects: [...objects] };
    this.pastes = 0;
  }

  /** The paste command for item `target`: offset by PASTE_OFFSET per paste on the source
   * item, in place on any other; null when nothing was copied. */
  paste(doc: AnnotationDocument, target: string, options: Omit<CopyOptions, "offset">): PasteResult | null {
    if (this.clip === null || this.clip.objects.length === 0) return null;
    const same = this.clip.source === target;
    const offset = same ? PASTE_OFFSET * (this.pastes + 1) : 0;
    const result = copiesCommand(doc, this.clip.objects, { ...options, offset });
    if (same && result.ids.length > 0) this.pastes += 1;
    return result;
  }
}

/** The clipboard of this browser tab. */
export const clipboard = new ObjectClipboard();
