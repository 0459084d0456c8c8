import { useCallback, useEffect, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ProblemAlert } from "../components/ProblemAlert";
import { NewTokenForm } from "./NewTokenForm";
import { NewTokenNotice } from "./NewTokenNotice";
import { TokenTable } from "./TokenTable";

type Token = Schemas["TokenOut"];

/** API tokens for scripts: list, create (the secret shown once), revoke. */
export function TokensSection() {
  const [tokens, setTokens] = useState<readonly Token[]>([]);
  const [created, setCreated] = useState<Schemas["NewTokenOut"] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const refresh = useCallback(() => {
    ok(api.GET("/api/tokens"))
      .then((list) => setTokens(list))
      .catch((caught: unknown) => setError(asApiError(caught)));
  }, []);

  useEffect(refresh, [refresh]);

  function revoke(token: Token) {
    if (!window.confirm(`Revoke the token "${token.name}"? Scripts using it stop working at once.`)) return;
    setError(null);
    ok(api.DELETE("/api/tokens/{token_id}", { params: { path: { token_id: token.id } } }))
      .then(refresh)
      .catch((caught: unknown) => setError(asApiError(caught)));
  }

  function onCreated(token: Schemas["NewTokenOut"]) {
    setCreated(token);
    refresh();
  }

  return (
    <section>
      <h2>API tokens</h2>
      <ProblemAlert error={error} />
      {created !== null && <NewTokenNotice created={created} onDismiss={() => setCreated(null)} />}
      <NewTokenForm onCreated={onCreated} />
      <TokenTable tokens={tokens} onRevoke={revoke} />
    </section>
  );
}
