// The one API client of the page: same origin, session cookie, CSRF header.
import { createApiClient } from "../api/client";

export const api = createApiClient();
