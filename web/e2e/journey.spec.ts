import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { e2eServer } from "./server";

const server = e2eServer();
const DATASETS = 51; // one more than a page of the datasets list

/** Datasets made through the API as the admin, with a session of its own, until the server
 * holds at least `count` (other specs share the server and may have made some); returns
 * how many there are then. */
async function addDatasets(request: APIRequestContext, count: number): Promise<number> {
  const login = await request.post(`${server.url}/api/auth/login`, {
    data: { email: server.email, password: server.password },
  });
  expect(login.status()).toBe(200);
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  let existing = 0;
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page = (await (await request.get(`${server.url}/api/datasets?limit=200${cursor === "" ? "" : `&cursor=${encodeURIComponent(cursor)}`}`)).json()) as { items: unknown[]; next_cursor: string | null };
    existing += page.items.length;
    cursor = page.next_cursor;
  }
  for (let index = existing + 1; index <= count; index += 1) {
    const name = `set ${String(index).padStart(2, "0")}`;
    const made = await request.post(`${server.url}/api/datasets`, {
      data: { name, description: index === 1 ? "the first one" : "" },
      headers: { "X-CSRF-Token": csrf },
    });
    expect(made.status(), await made.text()).toBe(201);
  }
  await request.post(`${server.url}/api/auth/logout`, { headers: { "X-CSRF-Token": csrf } });
  return Math.max(existing, count);
}

async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

test("sign in, see the datasets, create an API token, sign out", async ({ page, request }) => {
  const datasets = await addDatasets(request, DATASETS);
  await page.goto(`${server.url}/`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await expect(page.getByRole("heading", { name: "Sign in to Pixelwise" })).toBeVisible();

  // A wrong password is refused with the server's message.
  await page.getByLabel("Email").fill(server.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("The email or password is wrong");
  await snap(page, "01-sign-in-refused");

  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/datasets$/);
  await expect(page.getByRole("heading", { name: "Datasets" })).toBeVisible();
  await expect(page.getByText(server.email)).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await snap(page, "02-datasets");
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(datasets);
  await expect(page.getByText(`All ${datasets} datasets shown.`)).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByText("No API tokens yet.")).toBeVisible();

  // An empty name is a problem shown at the field.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.locator(".field-problem")).toContainText("at least 1 character");
  await page.getByLabel("Token name").fill("e2e script");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = page.getByTestId("new-token");
  await expect(secret).toHaveText(/^pxw_/);
  await expect(page.getByRole("cell", { name: "e2e script", exact: true })).toBeVisible();
  await snap(page, "03-token-created");

  // The token works for scripts.
  const token = (await secret.textContent()) ?? "";
  const me = await request.get(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()) as { email: string }).toMatchObject({ email: server.email });

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Revoke e2e script" }).click();
  await expect(page.getByText(/^revoked /)).toBeVisible();
  const refused = await request.get(`${server.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  await snap(page, "04-token-revoked");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto(`${server.url}/projects`);
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fprojects$/);
  await snap(page, "05-signed-out");
});
