// The side panel's object list, front-most object first (the order they are drawn in,
// reversed): select (shift-click adds), change class (to a class drawn with the same kind
// of shape), bring forward / send backward, hide, lock, delete. Hide and lock are this
// annotator's view (kept on this device, see viewFlags.ts); the rest are undoable edits.

import type { AnnotationObject } from "../../engine/document";
import { deleteCommand, reorderCommand, updateCommand, type ReorderTarget } from "../../engine/history";
import { compatibleClasses, defaultValues, type Instruction, type LabelClass } from "./instruction";
import type { ItemSession } from "./session";

interface Props {
  readonly session: ItemSession;
  readonly instruction: Instruction;
  readonly classes: ReadonlyMap<string, LabelClass>;
  /** Objects with a required attribute missing (after a submit attempt). */
  readonly incomplete: ReadonlySet<string>;
}

export function ObjectList({ session, instruction, classes, incomplete }: Props) {
  const { doc, history, selection, time } = session;
  const ordered = doc.ordered();
  const front = [...ordered].reverse();
  const reorder = (id: string, target: ReorderTarget) => {
    time.touch();
    history.execute(reorderCommand(doc, [id], target));
  };
  const changeClass = (object: AnnotationObject, key: string) => {
    time.touch();
    const target = classes.get(key);
    const keep = Object.fromEntries(Object.entries(object.attributes).filter(([k]) => target?.attributes.some((a) => a.key === k)));
    history.execute(updateCommand(doc, object.id, { class: key, attributes: { ...defaultValues(target?.attributes ?? []), ...keep } }, "change class"));
  };
  return (
    <ul className="ws-objects" data-testid="objects" aria-label="Objects, front first">
      {front.map((o, i) => (
        <ObjectRow
          key={o.id}
          object={o}
          instruction={instruction}
          label={classes.get(o.class)}
          selected={selection.has(o.id)}
          incomplete={incomplete.has(o.id)}
          isFront={i === 0}
          isBack={i === front.length - 1}
          onSelect={(add) => (add ? selection.toggle(o.id) : selection.set([o.id]))}
          onFlags={(flags) => doc.setFlags(o.id, flags)}
          onDelete={() => {
            history.execute(deleteCommand(doc, [o.id]));
            if (selection.has(o.id)) selection.set([...selection.all].filter((id) => id !== o.id));
          }}
          onClass={(key) => changeClass(o, key)}
          onReorder={(target) => reorder(o.id, target)}
        />
      ))}
    </ul>
  );
}

function ObjectRow({
  object,
  instruction,
  label,
  selected,
  incomplete,
  isFront,
  isBack,
  onSelect,
  onFlags,
  onDelete,
  onClass,
  onReorder,
}: {
  object: AnnotationObject;
  instruction: Instruction;
  label: LabelClass | undefined;
  selected: boolean;
  incomplete: boolean;
  isFront: boolean;
  isBack: boolean;
  onSelect: (add: boolean) => void;
  onFlags: (flags: { hidden?: boolean; locked?: boolean }) => void;
  onDelete: () => void;
  onClass: (key: string) => void;
  onReorder: (target: ReorderTarget) => void;
}) {
  const options = compatibleClasses(instruction, object.geometry.type);
  const locked = object.locked === true;
  const classes = [selected ? "selected" : "", incomplete ? "incomplete" : "", object.hidden === true ? "hidden" : ""].filter((c) => c !== "").join(" ");
  return (
    <li className={classes} data-object-id={object.id} data-hidden={object.hidden === true} data-locked={locked}>
      <button type="button" className="ws-row-select" onClick={(e) => onSelect(e.shiftKey)} aria-pressed={selected}>
        <span className="ws-swatch" style={{ background: label?.color ?? "#888" }} />
        {label?.name ?? object.class} <span className="muted">{object.geometry.type}{"slice" in object.geometry && typeof object.geometry.slice === "number" ? ` · slice ${object.geometry.slice + 1}` : ""}</span>
        {incomplete && (
          <span className="ws-incomplete" title="Required attributes are missing">
            !
          </span>
        )}
      </button>
      <select aria-label="Class" value={object.class} disabled={locked || options.length < 2} onChange={(e) => onClass(e.target.value)}>
        {options.length === 0 && <option value={object.class}>{object.class}</option>}
        {options.map((c) => (
          <option key={c.key} value={c.key}>
            {c.name}
          </option>
        ))}
      </select>
      <button type="button" className="ws-quiet" disabled={locked || isFront} onClick={() => onReorder("forward")} aria-label="Bring forward" title="Bring forward (draw above the object listed before it)">
        ▲
      </button>
      <button type="button" className="ws-quiet" disabled={locked || isBack} onClick={() => onReorder("backward")} aria-label="Send backward" title="Send backward (draw below the object listed after it)">
        ▼
      </button>
      <button type="button" className="ws-quiet" aria-pressed={object.hidden === true} onClick={() => onFlags({ hidden: !object.hidden })} title={object.hidden ? "Show" : "Hide"}>
        {object.hidden ? "Show" : "Hide"}
      </button>
      <button type="button" className="ws-quiet" aria-pressed={locked} onClick={() => onFlags({ locked: !locked })} title={locked ? "Unlock" : "Lock"}>
        {locked ? "Unlock" : "Lock"}
      </button>
      <button type="button" className="ws-quiet ws-danger" disabled={locked} onClick={onDelete} aria-label="Delete object" title="Delete">
        ✕
      </button>
    </li>
  );
}
