import { type FormEvent, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";

const FIELDS = ["name", "expires_in_days"] as const;

interface Props {
  readonly onCreated: (created: Schemas["NewTokenOut"]) => void;
}

/** Name a new API token and, optionally, how many days it lasts. */
export function NewTokenForm({ onCreated }: Props) {
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const expires = days.trim() === "" ? null : Number(days);
      const created = await ok(api.POST("/api/tokens", { body: { name, expires_in_days: expires } }));
      setName("");
      setDays("");
      onCreated(created);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <ProblemAlert error={error} fields={FIELDS} />
      <TextField label="Token name" name="name" value={name} onChange={setName} error={error} required />
      <TextField label="Expires in days (empty: never)" name="expires_in_days" type="number" min={1} value={days} onChange={setDays} error={error} />
      <button type="submit" disabled={busy}>
        Create token
      </button>
    </form>
  );
}
