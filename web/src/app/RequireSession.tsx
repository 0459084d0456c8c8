import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { useSession } from "./session/SessionContext";

/** Its children when someone is signed in; else the sign-in page, which comes back here
(unless the user has just signed out). */
export function RequireSession({ children }: { readonly children: ReactNode }) {
  const { user, checking, signedOut } = useSession();
  const location = useLocation();
  if (checking) return <p className="muted">Loading…</p>;
  if (user === null && signedOut) return <Navigate to="/sign-in" replace />;
  if (user === null) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <>{children}</>;
}
