import type { ApiError } from "../../api/client";
import { deriveKey, keyFor, type QuestionDraft } from "./document";
import { PathInput, PathProblem } from "./Inputs";
import { joinPath, problemsWithin } from "./problems";
import { ValueEditor } from "./ValueEditor";

interface Props {
  readonly index: number;
  readonly value: QuestionDraft;
  readonly onChange: (value: QuestionDraft) => void;
  readonly onRemove: () => void;
  readonly error: ApiError | null;
}

/** One image-level question: its text, key, type, choices with hotkeys, default. */
export function QuestionEditor({ index, value, onChange, onRemove, error }: Props) {
  const path = joinPath("questions", index);
  const troubled = problemsWithin(error, path).length > 0;
  return (
    <div className={`card${troubled ? " has-problem" : ""}`} role="group" aria-label={`Question ${index + 1}`}>
      <div className="card-head">
        <strong>Question {index + 1}</strong>
        <button type="button" className="secondary small" onClick={onRemove}>
          Remove question
        </button>
      </div>
      <PathProblem path={path} error={error} />
      <div className="row">
        <PathInput label="Question" path={joinPath(path, "text")} error={error} value={value.text} onChange={(text) => onChange({ ...value, text, key: keyFor(value, text) })} />
        <PathInput label="Question key" path={joinPath(path, "key")} error={error} value={value.key} onChange={(key) => onChange({ ...value, key, keyEdited: key !== deriveKey(value.text) })} />
      </div>
      <ValueEditor value={value} path={path} error={error} onChange={onChange} hotkeys={value.hotkeys} onHotkeys={(hotkeys) => onChange({ ...value, hotkeys })} />
    </div>
  );
}
