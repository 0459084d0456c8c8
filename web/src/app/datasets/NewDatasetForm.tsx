import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router-dom";
import { type ApiError, ok } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import "../manage.css";

const FIELDS = ["name", "description"] as const;

/** Name and describe a new, empty dataset; opens it once made. */
export function NewDatasetForm({ onCancel }: { readonly onCancel: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const made = await ok(api.POST("/api/datasets", { body: { name, description } }));
      navigate(`/datasets/${made.id}`);
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  return (
    <form className="inline-form panel" onSubmit={submit} noValidate aria-label="New dataset">
      <ProblemAlert error={error} fields={FIELDS} />
      <TextField label="Dataset name" name="name" value={name} onChange={setName} error={error} required />
      <TextField label="Description" name="description" value={description} onChange={setDescription} error={error} />
      <button type="submit" disabled={busy}>
        Create dataset
      </button>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
