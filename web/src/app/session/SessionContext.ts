// Who is signed in, shared by every page.
import { createContext, useContext } from "react";
import type { Schemas } from "../../api/client";

export type User = Schemas["UserOut"];

export interface Session {
  /** The signed-in user; null when signed out. */
  readonly user: User | null;
  /** True until the first answer of /api/me. */
  readonly checking: boolean;
  /** True after the user signed out here (not when the session ran out). */
  readonly signedOut: boolean;
  /** Throws ApiError when the server refuses. */
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession needs a SessionProvider above it");
  return session;
}
