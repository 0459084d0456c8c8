import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import { PathInput, PathSelect } from "../instructions/Inputs";
import { workflowOf } from "../projects/filters";
import "../manage.css";

const FIELDS = ["name", "description", "dataset_id", "folder", "instruction_id", "instruction_version", "workflow", "workflow.consensus_share", "workflow.consensus_count", "workflow.gold_share", "workflow.review_policy", "workflow.review_share"];

/** Create a project over a dataset (or a folder of it) with a pinned instruction version and workflow settings. */
export function NewProjectPage() {
  const navigate = useNavigate();
  const [datasets, setDatasets] = useState<Schemas["DatasetOut"][]>([]);
  const [instructions, setInstructions] = useState<Schemas["InstructionOut"][]>([]);
  const [folders, setFolders] = useState<Schemas["FolderOut"][]>([]);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [datasetId, setDatasetId] = useState("");
  const [folder, setFolder] = useState("");
  const [instructionId, setInstructionId] = useState("");
  const [version, setVersion] = useState("");
  const [consensusShare, setConsensusShare] = useState("0");
  const [consensusCount, setConsensusCount] = useState("2");
  const [goldShare, setGoldShare] = useState("0");
  const [reviewPolicy, setReviewPolicy] = useState("none");
  const [reviewShare, setReviewShare] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([ok(api.GET("/api/datasets", { params: { query: { limit: 500 } } })), ok(api.GET("/api/instructions", { params: { query: { limit: 500 } } }))])
      .then(([sets, found]) => {
        setDatasets(sets.items);
        setInstructions(found.items);
      })
      .catch((caught: unknown) => setError(asApiError(caught)));
  }, []);

  useEffect(() => {
    setFolders([]);
    if (datasetId === "") return;
    ok(api.GET("/api/datasets/{dataset_id}/browse", { params: { path: { dataset_id: Number(datasetId) }, query: { folder: "", limit: 1 } } }))
      .then((listing) => setFolders(listing.folders))
      .catch(() => setFolders([]));
  }, [datasetId]);

  const instruction = instructions.find((item) => String(item.id) === instructionId);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await ok(
        api.POST("/api/projects", {
          body: {
            name,
            description,
            dataset_id: datasetId === "" ? null : Number(datasetId),
            folder,
            instruction_id: instructionId === "" ? null : Number(instructionId),
            instruction_version: version === "" ? null : Number(version),
            workflow: workflowOf({ consensusShare, consensusCount, goldShare, reviewPolicy, reviewShare }),
          },
        }),
      );
      navigate(`/projects/${made.id}`);
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  return (
    <section className="manage">
      <p className="back">
        <Link to="/projects">← Projects</Link>
      </p>
      <h1>New project</h1>
      <form className="panel" onSubmit={submit} noValidate>
        <ProblemAlert error={error} fields={FIELDS} />
        <TextField label="Project name" name="name" value={name} onChange={setName} error={error} required />
        <TextField label="Description" name="description" value={description} onChange={setDescription} error={error} />
        <div className="row">
          <PathSelect label="Dataset" path="dataset_id" error={error} value={datasetId} onChange={setDatasetId}>
            <option value="">None yet</option>
            {datasets.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name} ({item.asset_count.toLocaleString()} assets)
              </option>
            ))}
          </PathSelect>
          <PathSelect label="Folder" path="folder" error={error} value={folder} onChange={setFolder}>
            <option value="">The whole dataset</option>
            {folders.map((item) => (
              <option key={item.path} value={item.path}>
                {item.path} ({item.asset_count.toLocaleString()})
              </option>
            ))}
          </PathSelect>
        </div>
        <div className="row">
          <PathSelect
            label="Instruction"
            path="instruction_id"
            error={error}
            value={instructionId}
            onChange={(value) => {
              setInstructionId(value);
              setVersion("");
            }}
          >
            <option value="">None yet</option>
            {instructions.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </PathSelect>
          <PathSelect label="Version" path="instruction_version" error={error} value={version} onChange={setVersion}>
            <option value="">Latest{instruction !== undefined && ` (v${instruction.latest_version})`}</option>
            {instruction !== undefined &&
              Array.from({ length: instruction.latest_version }, (_, at) => instruction.latest_version - at).map((number) => (
                <option key={number} value={number}>
                  v{number}
                </option>
              ))}
          </PathSelect>
        </div>
        <fieldset className="sub">
          <legend>Workflow</legend>
          <div className="row">
            <PathInput label="Consensus share (0-1)" type="number" path="workflow.consensus_share" error={error} value={consensusShare} onChange={setConsensusShare} />
            <PathInput label="Annotators per consensus item (2-10)" type="number" path="workflow.consensus_count" error={error} value={consensusCount} onChange={setConsensusCount} />
            <PathInput label="Gold share (0-1)" type="number" path="workflow.gold_share" error={error} value={goldShare} onChange={setGoldShare} />
          </div>
          <div className="row">
            <PathSelect label="Review" path="workflow.review_policy" error={error} value={reviewPolicy} onChange={setReviewPolicy}>
              <option value="none">No review</option>
              <option value="all">Review every item</option>
              <option value="sample">Review a sample</option>
            </PathSelect>
            {reviewPolicy === "sample" && <PathInput label="Review share (0-1)" type="number" path="workflow.review_share" error={error} value={reviewShare} onChange={setReviewShare} />}
          </div>
          {error?.messageFor("workflow") !== null && error?.messageFor("workflow") !== undefined && <p className="field-problem">{error.messageFor("workflow")}</p>}
        </fieldset>
        <button type="submit" disabled={busy}>
          Create project
        </button>
      </form>
    </section>
  );
}
