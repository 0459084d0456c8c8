import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import { ClassEditor } from "../instructions/ClassEditor";
import { emptyClass, emptyInstruction, emptyQuestion, emptySkeleton, fromDocument, type InstructionDraft, toDocument } from "../instructions/document";
import { removed, replaced } from "../instructions/Inputs";
import { PanelPreview } from "../instructions/PanelPreview";
import { indexOf } from "../instructions/problems";
import { QuestionEditor } from "../instructions/QuestionEditor";
import { SkeletonEditor } from "../instructions/SkeletonEditor";
import { formatTime } from "../format";
import "../manage.css";

/** Creates an instruction (`/instructions/new`) or saves a new version of one (`/instructions/:id`). */
export function InstructionBuilderPage() {
  const { instructionId } = useParams();
  const id = instructionId === undefined ? null : Number(instructionId);
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [draft, setDraft] = useState<InstructionDraft>(emptyInstruction);
  const [instruction, setInstruction] = useState<Schemas["InstructionOut"] | null>(null);
  const [shown, setShown] = useState<Schemas["VersionOut"] | null>(null);
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  async function openVersion(instructionNumber: number, version: number) {
    const found = await ok(api.GET("/api/instructions/{instruction_id}/versions/{version}", { params: { path: { instruction_id: instructionNumber, version } } }));
    setShown(found);
    setDraft(fromDocument(found.document));
    setError(null);
  }

  useEffect(() => {
    if (id === null) return;
    let live = true;
    (async () => {
      const found = await ok(api.GET("/api/instructions/{instruction_id}", { params: { path: { instruction_id: id } } }));
      if (!live) return;
      setInstruction(found);
      setName(found.name);
      setDescription(found.description);
      await openVersion(found.id, found.latest_version);
    })().catch((caught: unknown) => {
      if (live) setLoadError(asApiError(caught));
    });
    return () => {
      live = false;
    };
  }, [id]);

  function showProblems(caught: ApiError) {
    setError(caught);
    const first = caught.problem.fields.map((item) => indexOf(item.field, "classes")).find((index) => index !== null);
    if (first !== undefined && first !== null) setSelected(first);
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    const document = toDocument(draft);
    try {
      if (id === null) {
        const made = await ok(api.POST("/api/instructions", { body: { name, description, document } }));
        navigate(`/instructions/${made.instruction_id}`);
      } else {
        const version = await ok(api.POST("/api/instructions/{instruction_id}/versions", { params: { path: { instruction_id: id } }, body: { document } }));
        setInstruction((before) => (before === null ? before : { ...before, latest_version: version.version }));
        setShown(version);
        setSaved(`Saved as version ${version.version}.`);
      }
    } catch (caught) {
      showProblems(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const set = (change: Partial<InstructionDraft>) => setDraft((before) => ({ ...before, ...change }));
  const problems = error?.problem.fields ?? [];
  const latest = instruction?.latest_version ?? 0;

  if (loadError !== null) {
    return (
      <section>
        <h1>Instruction</h1>
        <ProblemAlert error={loadError} />
      </section>
    );
  }

  return (
    <section className="manage">
      <p className="back">
        <Link to="/instructions">← Instructions</Link>
      </p>
      <h1>{id === null ? "New instruction" : (instruction?.name ?? "Instruction")}</h1>
      {instruction !== null && (
        <div className="versions" aria-label="Versions">
          <span className="muted">Versions:</span>
          {Array.from({ length: latest }, (_, at) => latest - at).map((version) => (
            <button
              key={version}
              type="button"
              className="small"
              aria-current={shown?.version === version}
              onClick={() => void openVersion(instruction.id, version).catch((caught: unknown) => setLoadError(asApiError(caught)))}
            >
              v{version}
            </button>
          ))}
          {shown !== null && (
            <span className="muted">
              showing v{shown.version} of {formatTime(shown.created_at)}
              {shown.version !== latest && " (saving makes a new version from it)"}
            </span>
          )}
        </div>
      )}
      <form onSubmit={save} noValidate>
        <div className="builder">
          <div>
            {id === null && (
              <div className="panel">
                <TextField label="Instruction name" name="name" value={name} onChange={setName} error={error} required />
                <TextField label="Instruction description" name="description" value={description} onChange={setDescription} error={error} />
              </div>
            )}
            {problems.length > 0 && (
              <div className="problem" role="alert">
                <strong>{error?.problem.title}.</strong> {problems.length === 1 ? "One problem" : `${problems.length} problems`}, each shown at its field:
                <ul className="problem-list">
                  {problems.map((item, index) => (
                    <li key={index}>
                      <code>{item.field}</code>: {item.message}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {error !== null && problems.length === 0 && <ProblemAlert error={error} />}
            <h2>Classes</h2>
            {draft.classes.map((label, index) => (
              <ClassEditor
                key={index}
                index={index}
                value={label}
                selected={index === selected}
                onSelect={() => setSelected(index)}
                skeletons={draft.skeletons}
                error={error}
                onChange={(next) => set({ classes: replaced(draft.classes, index, next) })}
                onRemove={() => set({ classes: removed(draft.classes, index) })}
              />
            ))}
            <button
              type="button"
              className="secondary"
              onClick={() => {
                set({ classes: [...draft.classes, emptyClass(draft.classes.length)] });
                setSelected(draft.classes.length);
              }}
            >
              Add class
            </button>
            <h2>Image questions</h2>
            {draft.questions.map((question, index) => (
              <QuestionEditor
                key={index}
                index={index}
                value={question}
                error={error}
                onChange={(next) => set({ questions: replaced(draft.questions, index, next) })}
                onRemove={() => set({ questions: removed(draft.questions, index) })}
              />
            ))}
            <button type="button" className="secondary" onClick={() => set({ questions: [...draft.questions, emptyQuestion()] })}>
              Add question
            </button>
            <h2>Skeleton templates</h2>
            {draft.skeletons.map((skeleton, index) => (
              <SkeletonEditor
                key={index}
                index={index}
                value={skeleton}
                error={error}
                onChange={(next) => set({ skeletons: replaced(draft.skeletons, index, next) })}
                onRemove={() => set({ skeletons: removed(draft.skeletons, index) })}
              />
            ))}
            <button type="button" className="secondary" onClick={() => set({ skeletons: [...draft.skeletons, emptySkeleton()] })}>
              Add skeleton
            </button>
            <div className="panel">
              {saved !== null && (
                <p className="notice" role="status">
                  {saved}
                </p>
              )}
              <button type="submit" disabled={busy}>
                {id === null ? "Create instruction" : "Save new version"}
              </button>
            </div>
          </div>
          <div className="builder-preview">
            <PanelPreview draft={draft} selected={selected} onSelect={setSelected} />
          </div>
        </div>
      </form>
    </section>
  );
}
