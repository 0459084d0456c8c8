// The pinned labeling instruction as the workspace reads it (pixelwise.domain.
// instructions_model): classes with their tool, colour, hotkey and attributes, image-level
// questions, skeleton templates. The API hands the document over as untyped JSON; `parse`
// reads only what the workspace uses and ignores the rest.

import type { SkeletonTemplate } from "../../engine/tools";

export type ClassTool = "box" | "rotated_box" | "polygon" | "polyline" | "points" | "skeleton" | "mask" | "superpixel" | "freehand";

export interface Choice {
  readonly key: string;
  readonly name: string;
}

interface FieldBase {
  readonly key: string;
  /** The label shown: an attribute's name or a question's text. */
  readonly label: string;
  readonly required: boolean;
  readonly description: string;
}

export type FieldSpec =
  | (FieldBase & { readonly type: "text"; readonly maxLength: number; readonly default: string | null })
  | (FieldBase & { readonly type: "number"; readonly min: number | null; readonly max: number | null; readonly step: number | null; readonly integer: boolean; readonly default: number | null })
  | (FieldBase & { readonly type: "boolean"; readonly default: boolean | null })
  | (FieldBase & { readonly type: "single_choice"; readonly display: "dropdown" | "radio"; readonly choices: readonly Choice[]; readonly default: string | null; readonly hotkeys: Readonly<Record<string, string>> })
  | (FieldBase & { readonly type: "multiple_choice"; readonly choices: readonly Choice[]; readonly default: readonly string[] | null; readonly hotkeys: Readonly<Record<string, string>> });

export interface LabelClass {
  readonly key: string;
  readonly name: string;
  readonly color: string;
  readonly tool: ClassTool;
  readonly hotkey: string | null;
  readonly attributes: readonly FieldSpec[];
  readonly skeleton: string | null;
}

export interface Instruction {
  readonly title: string | null;
  readonly classes: readonly LabelClass[];
  readonly questions: readonly FieldSpec[];
  readonly skeletons: readonly SkeletonTemplate[];
}

/** Which geometry types a class's tool draws (the server's TOOL_GEOMETRY). */
export const TOOL_GEOMETRY: Readonly<Record<ClassTool, readonly string[]>> = {
  box: ["box"],
  rotated_box: ["rotated_box"],
  polygon: ["polygon"],
  freehand: ["polygon"],
  polyline: ["polyline"],
  points: ["points"],
  skeleton: ["points"],
  mask: ["mask", "mask3d"],
  superpixel: ["mask", "mask3d"],
};

const TOOLS = new Set<string>(Object.keys(TOOL_GEOMETRY));

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function choices(value: unknown): Choice[] {
  return list(value).map((c) => ({ key: str(record(c)["key"]), name: str(record(c)["name"], str(record(c)["key"])) }));
}

function hotkeys(value: unknown): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [choice, key] of Object.entries(record(value))) if (typeof key === "string") found[choice] = key;
  return found;
}

function field(raw: unknown, labelKey: "name" | "text"): FieldSpec | null {
  const json = record(raw);
  const base: FieldBase = {
    key: str(json["key"]),
    label: str(json[labelKey], str(json["key"])),
    required: json["required"] === true,
    description: str(json["description"]),
  };
  switch (json["type"]) {
    case "text":
      return { ...base, type: "text", maxLength: num(json["max_length"]) ?? 1000, default: typeof json["default"] === "string" ? json["default"] : null };
    case "number":
      return { ...base, type: "number", min: num(json["min"]), max: num(json["max"]), step: num(json["step"]), integer: json["integer"] === true, default: num(json["default"]) };
    case "boolean":
      return { ...base, type: "boolean", default: typeof json["default"] === "boolean" ? json["default"] : null };
    case "single_choice":
      return {
        ...base,
        type: "single_choice",
        display: json["display"] === "radio" ? "radio" : "dropdown",
        choices: choices(json["choices"]),
        default: typeof json["default"] === "string" ? json["default"] : null,
        hotkeys: hotkeys(json["hotkeys"]),
      };
    case "multiple_choice":
      return {
        ...base,
        type: "multiple_choice",
        choices: choices(json["choices"]),
        default: Array.isArray(json["default"]) ? json["default"].filter((v): v is string => typeof v === "string") : null,
        hotkeys: hotkeys(json["hotkeys"]),
      };
    default:
      return null;
  }
}

/** Reads an instruction document as `GET /api/instructions/{id}/versions/{n}` gives it. */
export function parseInstruction(document: unknown): Instruction {
  const json = record(document);
  const classes: LabelClass[] = [];
  for (const raw of list(json["classes"])) {
    const c = record(raw);
    const tool = str(c["tool"]);
    if (!TOOLS.has(tool)) continue;
    classes.push({
      key: str(c["key"]),
      name: str(c["name"], str(c["key"])),
      color: str(c["color"], "#ff9f1c"),
      tool: tool as ClassTool,
      hotkey: typeof c["hotkey"] === "string" ? c["hotkey"] : null,
      attributes: list(c["attributes"]).map((a) => field(a, "name")).filter((a): a is FieldSpec => a !== null),
      skeleton: typeof c["skeleton"] === "string" ? c["skeleton"] : null,
    });
  }
  const skeletons: SkeletonTemplate[] = list(json["skeletons"]).map((raw) => {
    const s = record(raw);
    return {
      key: str(s["key"]),
      keypoints: list(s["keypoints"]).map((k) => {
        const kp = record(k);
        return { key: str(kp["key"]), default_x: num(kp["default_x"]) ?? 0.5, default_y: num(kp["default_y"]) ?? 0.5 };
      }),
      edges: list(s["edges"]).map((e) => [str(list(e)[0]), str(list(e)[1])] as const),
    };
  });
  return {
    title: typeof json["title"] === "string" ? json["title"] : null,
    classes,
    questions: list(json["questions"]).map((q) => field(q, "text")).filter((q): q is FieldSpec => q !== null),
    skeletons,
  };
}

/** The values a new object of the class starts with: each attribute's default. */
export function defaultValues(fields: readonly FieldSpec[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of fields) if (f.default !== null) values[f.key] = Array.isArray(f.default) ? [...f.default] : f.default;
  return values;
}

/** The classes an object of `classKey` may be changed to (same kind of geometry). */
export function compatibleClasses(instruction: Instruction, geometryType: string): LabelClass[] {
  return instruction.classes.filter((c) => TOOL_GEOMETRY[c.tool].includes(geometryType));
}
