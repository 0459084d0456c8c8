// The name and description of an existing instruction, saved on their own (renaming makes
// no new version: projects keep what they pin).

import { type FormEvent, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";

interface Props {
  readonly instruction: Schemas["InstructionOut"];
  readonly onSaved: (instruction: Schemas["InstructionOut"]) => void;
}

/** Rename the instruction or change its description. */
export function RenameForm({ instruction, onSaved }: Props) {
  const [name, setName] = useState(instruction.name);
  const [description, setDescription] = useState(instruction.description);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const changed = name !== instruction.name || description !== instruction.description;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const found = await ok(api.PATCH("/api/instructions/{instruction_id}", { params: { path: { instruction_id: instruction.id } }, body: { name, description } }));
      setName(found.name);
      setDescription(found.description);
      setSaved(true);
      onSaved(found);
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  return (
    <form className="panel" aria-label="Name" onSubmit={(event) => void save(event)} noValidate>
      <TextField label="Instruction name" name="name" value={name} onChange={setName} error={error} required />
      <TextField label="Instruction description" name="description" value={description} onChange={setDescription} error={error} />
      <ProblemAlert error={error} fields={["name", "description"]} />
      {saved && !changed && (
        <p className="notice" role="status">
          Saved.
        </p>
      )}
      <button type="submit" className="secondary" disabled={!changed}>
        Save name and description
      </button>
    </form>
  );
}
