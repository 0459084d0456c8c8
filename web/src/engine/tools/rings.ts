// What a finished ring becomes, shared by the polygon and freehand tools: a new polygon
// object, a hole in the selected polygon (in the part whose outer ring holds it), or an
// extra part of the selected polygon. The modifier held when a ring is started picks
// which: Alt a hole, Shift another part, none the tool's own mode.

import { addHole, addPart } from "../edit";
import { isDegenerate } from "../rings";
import { pointInRing } from "../measure";
import type { Point } from "../shapes";
import { addObject, selectedOfType, updateGeometry, type PointerInput, type ToolContext } from "./tool";

export type RingMode = "new" | "hole" | "part";

/** What a ring started by `input` becomes: Alt a hole, Shift a part of the selected
 * polygon, else `fallback`. Null (and `onProblem`) when a hole or part is asked for and no
 * polygon is selected, so the user learns it before drawing the ring. */
export function ringModeAt(input: PointerInput, fallback: RingMode, ctx: ToolContext): RingMode | null {
  const mode: RingMode = input.alt ? "hole" : input.shift ? "part" : fallback;
  if (mode !== "new" && selectedOfType(ctx, "polygon") === null) {
    ctx.onProblem(`Select the polygon to add a ${mode} to.`);
    return null;
  }
  return mode;
}

export function commitRing(ctx: ToolContext, ring: readonly Point[], mode: RingMode): boolean {
  if (ring.length < 3 || isDegenerate(ring)) {
    ctx.onProblem("A polygon needs at least 3 points that are not on one line.");
    return false;
  }
  if (mode === "new") return addObject(ctx, { type: "polygon", parts: [{ outer: ring, holes: [] }] }) !== null;
  const target = selectedOfType(ctx, "polygon");
  if (target === null) {
    ctx.onProblem(`Select the polygon to add a ${mode} to.`);
    return false;
  }
  if (mode === "part") return updateGeometry(ctx, target.id, addPart(target.geometry, ring), "add part");
  const part = target.geometry.parts.findIndex((p) => ring.every(([x, y]) => pointInRing(x, y, p.outer)));
  if (part < 0) {
    ctx.onProblem("A hole must lie inside the selected polygon.");
    return false;
  }
  return updateGeometry(ctx, target.id, addHole(target.geometry, part, ring), "add hole");
}
