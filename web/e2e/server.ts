// What the global setup hands to the tests, through environment variables (the test
// workers inherit the environment of the process that ran the setup).

export interface E2eServer {
  readonly url: string;
  readonly email: string;
  readonly password: string;
}

export const SERVER_URL = "PIXELWISE_E2E_URL";
export const ADMIN_EMAIL = "PIXELWISE_E2E_EMAIL";
export const ADMIN_PASSWORD = "PIXELWISE_E2E_PASSWORD";

export function e2eServer(): E2eServer {
  const url = process.env[SERVER_URL];
  const email = process.env[ADMIN_EMAIL];
  const password = process.env[ADMIN_PASSWORD];
  if (url === undefined || email === undefined || password === undefined) {
    throw new Error("the e2e global setup did not run (start the tests with `npx playwright test`)");
  }
  return { url, email, password };
}
