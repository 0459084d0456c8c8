// The instruction builder's draft and the document it becomes (GET /api/instructions/schema).
// The draft keeps what a form needs (text as typed, whether a key was edited by hand); the
// serialiser turns it into the document the server checks, leaving values it cannot read
// as typed so the server names them at their path.

export const TOOLS = ["box", "rotated_box", "polygon", "polyline", "points", "skeleton", "mask", "superpixel", "freehand"] as const;
export type Tool = (typeof TOOLS)[number];
export const VALUE_TYPES = ["single_choice", "multiple_choice", "text", "number", "boolean"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export interface ChoiceDraft {
  key: string;
  keyEdited: boolean;
  name: string;
}

/** A value type with its settings: shared by class attributes and image-level questions. */
export interface ValueDraft {
  key: string;
  keyEdited: boolean;
  type: ValueType;
  required: boolean;
  description: string;
  choices: ChoiceDraft[];
  display: "dropdown" | "radio";
  min: string;
  max: string;
  integer: boolean;
  maxLength: string;
  /** Text, number, boolean ("true"/"false") or single choice key; '' for none. */
  defaultValue: string;
  /** Multiple choice default. */
  defaultChoices: string[];
}

export interface AttributeDraft extends ValueDraft {
  name: string;
}

export interface QuestionDraft extends ValueDraft {
  text: string;
  /** Choice key → hotkey. */
  hotkeys: Record<string, string>;
}

export interface ClassDraft {
  key: string;
  keyEdited: boolean;
  name: string;
  color: string;
  tool: Tool;
  hotkey: string;
  description: string;
  attributes: AttributeDraft[];
  skeleton: string;
}

export interface KeypointDraft {
  key: string;
  keyEdited: boolean;
  name: string;
  x: number;
  y: number;
}

export interface SkeletonDraft {
  key: string;
  keyEdited: boolean;
  name: string;
  keypoints: KeypointDraft[];
  edges: [string, string][];
}

export interface InstructionDraft {
  title: string;
  guidelines: string;
  classes: ClassDraft[];
  questions: QuestionDraft[];
  skeletons: SkeletonDraft[];
}

/** A key as the server accepts it, from a name: `Traffic light` → `traffic_light`. */
export function deriveKey(name: string): string {
  let key = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (key !== "" && !/^[a-z]/.test(key)) key = `k_${key}`;
  return key.slice(0, 63).replace(/_+$/, "");
}

/** The key after its name changed: derived again unless the user typed the key. */
export function keyFor<T extends { key: string; keyEdited: boolean }>(item: T, name: string): string {
  return item.keyEdited ? item.key : deriveKey(name);
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#008080", "#9a6324"];

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length] ?? "#4363d8";
}

export function emptyValue(): ValueDraft {
  return {
    key: "",
    keyEdited: false,
    type: "single_choice",
    required: false,
    description: "",
    choices: [],
    display: "dropdown",
    min: "",
    max: "",
    integer: false,
    maxLength: "",
    defaultValue: "",
    defaultChoices: [],
  };
}

export function emptyAttribute(): AttributeDraft {
  return { ...emptyValue(), name: "" };
}

export function emptyQuestion(): QuestionDraft {
  return { ...emptyValue(), text: "", hotkeys: {} };
}

export function emptyClass(index: number): ClassDraft {
  return { key: "", keyEdited: false, name: "", color: paletteColor(index), tool: "box", hotkey: "", description: "", attributes: [], skeleton: "" };
}

export function emptySkeleton(): SkeletonDraft {
  return { key: "", keyEdited: false, name: "", keypoints: [], edges: [] };
}

export function emptyInstruction(): InstructionDraft {
  return { title: "", guidelines: "", classes: [], questions: [], skeletons: [] };
}

/** A number as typed: the number, or the text itself for the server to name as invalid. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== "" && Number.isFinite(value) ? value : trimmed;
}

type Json = Record<string, unknown>;

function valueSpec(draft: ValueDraft): Json {
  const out: Json = { type: draft.type };
  if (draft.required) out["required"] = true;
  if (draft.description.trim() !== "") out["description"] = draft.description;
  switch (draft.type) {
    case "text":
      if (draft.maxLength.trim() !== "") out["max_length"] = numberOrText(draft.maxLength);
      if (draft.defaultValue !== "") out["default"] = draft.defaultValue;
      break;
    case "number":
      if (draft.min.trim() !== "") out["min"] = numberOrText(draft.min);
      if (draft.max.trim() !== "") out["max"] = numberOrText(draft.max);
      if (draft.integer) out["integer"] = true;
      if (draft.defaultValue.trim() !== "") out["default"] = numberOrText(draft.defaultValue);
      break;
    case "boolean":
      if (draft.defaultValue !== "") out["default"] = draft.defaultValue === "true";
      break;
    case "single_choice":
      out["choices"] = draft.choices.map((choice) => ({ key: choice.key, name: choice.name }));
      out["display"] = draft.display;
      if (draft.defaultValue !== "") out["default"] = draft.defaultValue;
      break;
    case "multiple_choice":
      out["choices"] = draft.choices.map((choice) => ({ key: choice.key, name: choice.name }));
      if (draft.defaultChoices.length > 0) out["default"] = draft.defaultChoices;
      break;
  }
  return out;
}

function isChoice(type: ValueType): boolean {
  return type === "single_choice" || type === "multiple_choice";
}

/** The instruction document the draft describes. */
export function toDocument(draft: InstructionDraft): Json {
  const doc: Json = {};
  if (draft.title.trim() !== "") doc["title"] = draft.title;
  if (draft.guidelines.trim() !== "") doc["guidelines"] = draft.guidelines;
  doc["classes"] = draft.classes.map((label) => {
    const out: Json = { key: label.key, name: label.name, color: label.color, tool: label.tool };
    if (label.hotkey !== "") out["hotkey"] = label.hotkey;
    if (label.description.trim() !== "") out["description"] = label.description;
    if (label.attributes.length > 0) {
      out["attributes"] = label.attributes.map((attribute) => ({ key: attribute.key, name: attribute.name, ...valueSpec(attribute) }));
    }
    if (label.tool === "skeleton") out["skeleton"] = label.skeleton === "" ? null : label.skeleton;
    return out;
  });
  doc["questions"] = draft.questions.map((question) => {
    const out: Json = { key: question.key, text: question.text, ...valueSpec(question) };
    if (isChoice(question.type)) {
      const hotkeys = Object.fromEntries(Object.entries(question.hotkeys).filter(([choice, key]) => key !== "" && question.choices.some((c) => c.key === choice)));
      if (Object.keys(hotkeys).length > 0) out["hotkeys"] = hotkeys;
    }
    return out;
  });
  doc["skeletons"] = draft.skeletons.map((skeleton) => ({
    key: skeleton.key,
    name: skeleton.name,
    keypoints: skeleton.keypoints.map((point) => ({ key: point.key, name: point.name, default_x: round(point.x), default_y: round(point.y) })),
    edges: skeleton.edges.map(([a, b]) => [a, b]),
  }));
  return doc;
}

function round(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function numText(value: unknown): string {
  return typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
}

function choiceFrom(json: Json): ChoiceDraft {
  const name = str(json["name"]);
  const key = str(json["key"]);
  return { key, name, keyEdited: key !== deriveKey(name) };
}

function valueFrom(json: Json, label: string): ValueDraft {
  const type = (VALUE_TYPES as readonly string[]).includes(str(json["type"])) ? (str(json["type"]) as ValueType) : "text";
  const key = str(json["key"]);
  const fallback = json["default"];
  return {
    key,
    keyEdited: key !== deriveKey(label),
    type,
    required: json["required"] === true,
    description: str(json["description"]),
    choices: list(json["choices"]).map(choiceFrom),
    display: json["display"] === "radio" ? "radio" : "dropdown",
    min: numText(json["min"]),
    max: numText(json["max"]),
    integer: json["integer"] === true,
    maxLength: numText(json["max_length"]),
    defaultValue: typeof fallback === "string" ? fallback : typeof fallback === "number" || typeof fallback === "boolean" ? String(fallback) : "",
    defaultChoices: Array.isArray(fallback) ? fallback.filter((item): item is string => typeof item === "string") : [],
  };
}

/** The draft of a saved document (a version read back), for editing. */
export function fromDocument(doc: unknown): InstructionDraft {
  const json = isRecord(doc) ? doc : {};
  return {
    title: str(json["title"]),
    guidelines: str(json["guidelines"]),
    classes: list(json["classes"]).map((label, index) => {
      const name = str(label["name"]);
      const key = str(label["key"]);
      const tool = (TOOLS as readonly string[]).includes(str(label["tool"])) ? (str(label["tool"]) as Tool) : "box";
      return {
        key,
        keyEdited: key !== deriveKey(name),
        name,
        color: str(label["color"]) || paletteColor(index),
        tool,
        hotkey: str(label["hotkey"]),
        description: str(label["description"]),
        attributes: list(label["attributes"]).map((attribute) => ({ ...valueFrom(attribute, str(attribute["name"])), name: str(attribute["name"]) })),
        skeleton: str(label["skeleton"]),
      };
    }),
    questions: list(json["questions"]).map((question) => {
      const hotkeys: Record<string, string> = {};
      if (isRecord(question["hotkeys"])) {
        for (const [choice, key] of Object.entries(question["hotkeys"])) if (typeof key === "string") hotkeys[choice] = key;
      }
      return { ...valueFrom(question, str(question["text"])), text: str(question["text"]), hotkeys };
    }),
    skeletons: list(json["skeletons"]).map((skeleton) => {
      const name = str(skeleton["name"]);
      const key = str(skeleton["key"]);
      return {
        key,
        keyEdited: key !== deriveKey(name),
        name,
        keypoints: list(skeleton["keypoints"]).map((point) => {
          const pointName = str(point["name"]);
          const pointKey = str(point["key"]);
          return {
            key: pointKey,
            keyEdited: pointKey !== deriveKey(pointName),
            name: pointName,
            x: typeof point["default_x"] === "number" ? point["default_x"] : 0.5,
            y: typeof point["default_y"] === "number" ? point["default_y"] : 0.5,
          };
        }),
        edges: (Array.isArray(skeleton["edges"]) ? skeleton["edges"] : [])
          .filter((edge): edge is unknown[] => Array.isArray(edge) && edge.length === 2)
          .map((edge) => [str(edge[0]), str(edge[1])] as [string, string]),
      };
    }),
  };
}
