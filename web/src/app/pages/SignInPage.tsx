import { type FormEvent, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import type { ApiError } from "../../api/client";
import { asApiError } from "../../api/problem";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import { useSession } from "../session/SessionContext";

const FIELDS = ["email", "password"] as const;

/** Where to go after signing in: the page that sent the user here, if it is one of ours. */
function destination(next: string | null): string {
  return next !== null && next.startsWith("/") && !next.startsWith("//") ? next : "/datasets";
}

export function SignInPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const next = destination(params.get("next"));

  if (session.user !== null) return <Navigate to={next} replace />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(email, password);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={submit} noValidate>
        <h1>Sign in to Pixelwise</h1>
        <ProblemAlert error={error} fields={FIELDS} />
        <TextField label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={error} required />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={error} required />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
