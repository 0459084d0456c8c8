import { type ReactNode, useCallback, useEffect, useMemo, useState } from "react";
import { ok } from "../../api/client";
import { api } from "../api";
import { type Session, SessionContext, type User } from "./SessionContext";

const SIGN_IN_PATH = "/api/auth/login";

/** Asks the server who is signed in, and forgets the user when any request answers 401. */
export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checking, setChecking] = useState(true);
  const [signedOut, setSignedOut] = useState(false);

  useEffect(() => {
    let live = true;
    const forget = {
      onResponse({ request, response }: { request: Request; response: Response }) {
        if (response.status === 401 && !request.url.endsWith(SIGN_IN_PATH) && live) setUser(null);
        return undefined;
      },
    };
    api.use(forget);
    ok(api.GET("/api/me"))
      .then((me) => live && setUser(me))
      .catch(() => live && setUser(null))
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
      api.eject(forget);
    };
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const answer = await ok(api.POST(SIGN_IN_PATH, { body: { email, password } }));
    setSignedOut(false);
    setUser(answer.user);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await ok(api.POST("/api/auth/logout"));
    } finally {
      setSignedOut(true);
      setUser(null);
    }
  }, []);

  const session = useMemo<Session>(
    () => ({ user, checking, signedOut, signIn, signOut }),
    [user, checking, signedOut, signIn, signOut],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
