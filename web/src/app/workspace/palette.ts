// The tool palette of an instruction: Select, then one entry per drawing tool its classes
// use (mask classes get brush, eraser and fill; polygon and freehand classes get sculpt,
// last), each with a hotkey, and the engine tool behind it. Which class a tool draws follows the active class; picking a tool that the
// active class does not use switches to the first class that does.

import { BoxTool, BrushTool, EraserTool, FillTool, FreehandTool, PointsTool, PolygonTool, PolylineTool, RotatedBoxTool, SculptTool, SelectTool, SkeletonTool, type Tool } from "../../engine/tools";
import type { ClassTool, Instruction, LabelClass } from "./instruction";

export interface PaletteEntry {
  /** "select", "box", ..., "skeleton:<template>", "brush", "eraser", "fill". */
  readonly id: string;
  readonly label: string;
  readonly hotkey: string;
  readonly tool: Tool;
  /** The class tools this entry draws for (empty for select). */
  readonly drawsFor: readonly ClassTool[];
}

const PLAIN: Readonly<Record<string, { label: string; hotkey: string; make: () => Tool; drawsFor: ClassTool[] }>> = {
  box: { label: "Box", hotkey: "b", make: () => new BoxTool(), drawsFor: ["box"] },
  rotated_box: { label: "Rotated box", hotkey: "r", make: () => new RotatedBoxTool(), drawsFor: ["rotated_box"] },
  polygon: { label: "Polygon", hotkey: "p", make: () => new PolygonTool(), drawsFor: ["polygon"] },
  freehand: { label: "Freehand", hotkey: "d", make: () => new FreehandTool(), drawsFor: ["freehand"] },
  polyline: { label: "Polyline", hotkey: "l", make: () => new PolylineTool(), drawsFor: ["polyline"] },
  points: { label: "Points", hotkey: "k", make: () => new PointsTool(), drawsFor: ["points"] },
};

export function buildPalette(instruction: Instruction): PaletteEntry[] {
  const entries: PaletteEntry[] = [{ id: "select", label: "Select", hotkey: "v", tool: new SelectTool(), drawsFor: [] }];
  const seen = new Set<string>();
  const add = (entry: PaletteEntry) => {
    if (seen.has(entry.id)) return;
    seen.add(entry.id);
    entries.push(entry);
  };
  for (const c of instruction.classes) {
    const plain = PLAIN[c.tool];
    if (plain !== undefined) {
      add({ id: c.tool, label: plain.label, hotkey: plain.hotkey, tool: plain.make(), drawsFor: plain.drawsFor });
    } else if (c.tool === "skeleton") {
      const template = instruction.skeletons.find((s) => s.key === c.skeleton);
      if (template !== undefined) add({ id: `skeleton:${template.key}`, label: `Skeleton (${template.key})`, hotkey: seen.has("skeleton-key") ? "" : "s", tool: new SkeletonTool(template), drawsFor: ["skeleton"] });
      seen.add("skeleton-key");
    } else {
      add({ id: "brush", label: "Brush", hotkey: "n", tool: new BrushTool(), drawsFor: ["mask", "superpixel"] });
      add({ id: "eraser", label: "Eraser", hotkey: "e", tool: new EraserTool(), drawsFor: ["mask", "superpixel"] });
      add({ id: "fill", label: "Fill", hotkey: "g", tool: new FillTool(), drawsFor: ["mask", "superpixel"] });
    }
  }
  // After the polygon and freehand entries, so a class's own drawing tool is found first.
  if (instruction.classes.some((c) => c.tool === "polygon" || c.tool === "freehand")) {
    add({ id: "sculpt", label: "Sculpt", hotkey: "c", tool: new SculptTool(), drawsFor: ["polygon", "freehand"] });
  }
  return entries;
}

/** The palette entry a class draws with. */
export function entryForClass(palette: readonly PaletteEntry[], label: LabelClass): PaletteEntry | undefined {
  if (label.tool === "skeleton") return palette.find((e) => e.id === `skeleton:${label.skeleton ?? ""}`);
  return palette.find((e) => e.drawsFor.includes(label.tool));
}

/** The class a palette entry should draw: the active one when it fits, else the first that does. */
export function classForEntry(instruction: Instruction, entry: PaletteEntry, active: string | null): string | null {
  if (entry.drawsFor.length === 0) return active;
  const fits = (c: LabelClass) => entry.drawsFor.includes(c.tool) && (c.tool !== "skeleton" || entry.id === `skeleton:${c.skeleton ?? ""}`);
  const current = instruction.classes.find((c) => c.key === active);
  if (current !== undefined && fits(current)) return current.key;
  return instruction.classes.find(fits)?.key ?? null;
}

export interface Shortcut {
  readonly keys: string;
  readonly what: string;
}

/** Every shortcut of the workspace, for the `?` overlay. */
export function shortcutList(instruction: Instruction, palette: readonly PaletteEntry[]): Shortcut[] {
  const list: Shortcut[] = [];
  for (const c of instruction.classes) if (c.hotkey !== null) list.push({ keys: c.hotkey, what: `Class ${c.name}` });
  for (const q of instruction.questions) {
    if (q.type !== "single_choice" && q.type !== "multiple_choice") continue;
    for (const choice of q.choices) {
      const key = q.hotkeys[choice.key];
      if (key !== undefined) list.push({ keys: key, what: `${q.label}: ${choice.name}` });
    }
  }
  const taken = new Set(list.map((s) => s.keys.toLowerCase()));
  for (const e of palette) if (e.hotkey !== "" && !taken.has(e.hotkey)) list.push({ keys: e.hotkey, what: `${e.label} tool` });
  list.push(
    { keys: "Delete", what: "Delete the selected objects" },
    { keys: "Ctrl/⌘ C", what: "Copy the selected objects" },
    { keys: "Ctrl/⌘ V", what: "Paste (moved a little on the same item, in place on another)" },
    { keys: "Ctrl/⌘ D", what: "Duplicate the selected objects" },
    { keys: "Ctrl/⌘ Z", what: "Undo" },
    { keys: "Ctrl/⌘ Shift Z, Ctrl Y", what: "Redo" },
    { keys: "Escape", what: "Cancel the shape being drawn, or clear the selection" },
    { keys: "Enter", what: "Close the polygon / end the polyline or points" },
    { keys: "Backspace", what: "Remove the last vertex while drawing" },
    { keys: "Alt + first click / drag", what: "Polygon, freehand: the ring becomes a hole of the selected polygon" },
    { keys: "Shift + first click / drag", what: "Polygon, freehand: the ring becomes another part of the selected polygon" },
    { keys: "Ctrl/⌘ click", what: "On the selected shape's vertex: delete it; on its edge: insert one" },
    { keys: "Alt click, O", what: "Skeleton: cycle a keypoint's visibility (visible, occluded, not labelled)" },
    { keys: "[ ]", what: "Brush, eraser, sculpt smaller / larger" },
    { keys: "Space + drag, middle drag", what: "Pan" },
    { keys: "Wheel", what: "Zoom about the cursor" },
    { keys: taken.has("f") ? "Shift F" : "F, Shift F", what: "Fit the image" },
    { keys: taken.has("1") ? "Shift 1" : "1, Shift 1", what: "1:1 pixels" },
    { keys: "Alt →, Alt ←", what: "Next / previous item" },
    { keys: "Ctrl/⌘ Enter", what: "Submit the item (required fields are checked first)" },
    { keys: "?", what: "Show or hide this list" },
  );
  return list;
}
