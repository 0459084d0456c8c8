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
import { RenameForm } from "../instructions/RenameForm";
import { SkeletonEditor } from "../instructions/SkeletonEditor";
import { VersionList } from "../instructions/VersionList";
import { formatTime } from "../format";
import "../manage.css";

/**
 * Creates an instruction (`/instructions/new`) or saves a new version of one (`/instructions/:id`).
 * Its versions are listed; an older one opens read-only until a new version is started from it.
 */
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
  const [versions, setVersions] = useState<readonly Schemas["VersionSummaryOut"][]>([]);
  const [startedFrom, setStartedFrom] = useState<number | null>(null);

  async function loadVersions(instructionNumber: number) {
    setVersions(await ok(api.GET("/api/instructions/{instruction_id}/versions", { params: { path: { instruction_id: instructionNumber } } })));
  }

  async function openVersion(instructionNumber: number, version: number) {
    const found = await ok(api.GET("/api/instructions/{instruction_id}/versions/{version}", { params: { path: { instruction_id: instructionNumber, version } } }));
    setShown(found);
    setDraft(fromDocument(found.document));
    setError(null);
    setSaved(null);
    setStartedFrom(null);
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
      await Promise.all([openVersion(found.id, found.latest_version), loadVersions(found.id)]);
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
        setStartedFrom(null);
        setSaved(`Saved as version ${version.version}.`);
        await loadVersions(id);
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
  const readOnly = id !== null && shown !== null && shown.version !== latest && startedFrom !== shown.version;

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
        <div className="builder-head">
          <RenameForm key={instruction.id} instruction={instruction} onSaved={setInstruction} />
          <VersionList versions={versions} shown={shown?.version ?? null} onOpen={(version) => void openVersion(instruction.id, version).catch((caught: unknown) => setLoadError(asApiError(caught)))} />
        </div>
      )}
      {shown !== null && shown.version !== latest && (
        <div className="notice version-note" role="status">
          {readOnly ? (
            <>
              Version {shown.version} of {formatTime(shown.created_at)}, read-only.{" "}
              <button type="button" className="small" onClick={() => setStartedFrom(shown.version)}>
                Start a new version from v{shown.version}
              </button>
            </>
          ) : (
            <>Editing a copy of version {shown.version}: saving makes version {latest + 1}.</>
          )}
        </div>
      )}
      <form onSubmit={save} noValidate>
        <div className="builder">
          <fieldset className="builder-editors" disabled={readOnly} aria-label={readOnly ? "Read-only version" : undefined}>
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
          </fieldset>
          <div className="builder-preview">
            <PanelPreview draft={draft} selected={selected} onSelect={setSelected} />
          </div>
        </div>
      </form>
    </section>
  );
}
