// Moving about a project and the management pages around it, against a real server: the
// workspace's thumbnail strip (states, click to open, paging, collapsing) and "jump to item"
// by position and by file name; the project page's progress by state and moving a project
// to the latest instruction version after the server's dry run; the instruction builder's
// versions (older ones read-only until a new version is started from them) and renaming;
// thumbnails of a dataset no project uses; and the users page.

import { expect, type Page, test } from "@playwright/test";
import { adminApi, type Api, open, png, server, signIn, snap } from "./kit";

const SIZE = 64;
const COUNT = 30;

interface Made {
  projectId: number;
  instructionId: number;
  items: number[];
  document: Record<string, unknown>;
}

function box(x: number, y: number) {
  return { type: "box", x, y, w: 10, h: 10 };
}

async function waitForJob(api: Api, id: number): Promise<void> {
  await expect.poll(async () => (await api.get<{ state: string }>(`/api/jobs/${id}`)).state, { timeout: 30_000 }).toBe("done");
}

/** A project over 31 images (`batch/img_01.png` … `img_30.png`, then `special/zebra.png`):
 * item 2 has a saved box (in progress), item 3 is submitted, the rest are new. */
async function makeProject(api: Api, stamp: string): Promise<Made> {
  const document = { classes: [{ key: "car", name: "Car", color: "#ff0000", tool: "box", hotkey: "1" }] };
  const instruction = await api.post<{ instruction_id: number }>("/api/instructions", { name: `nav ${stamp}`, document });
  const dataset = await api.post<{ id: number }>("/api/datasets", { name: `nav ${stamp}` });
  const files: Record<string, Buffer> = {};
  for (let n = 1; n <= COUNT; n++) files[`batch/img_${String(n).padStart(2, "0")}.png`] = png(SIZE, SIZE, 40 + n * 6);
  files["special/zebra.png"] = png(SIZE, SIZE, 250);
  await waitForJob(api, (await api.upload<{ id: number }>(`/api/datasets/${dataset.id}/uploads`, files)).id);
  const project = await api.post<{ id: number }>("/api/projects", { name: `nav ${stamp}`, dataset_id: dataset.id, instruction_id: instruction.instruction_id });
  const listed = await api.get<{ items: { id: number }[] }>(`/api/projects/${project.id}/items?limit=100`);
  const items = listed.items.map((item) => item.id);
  expect(items).toHaveLength(COUNT + 1);
  const save = (item: number, base: number) =>
    api.patch(`/api/projects/${project.id}/items/${item}/annotation`, { request_id: `nav-${stamp}-${item}-${base}`, base_revision: base, put: [{ class: "car", geometry: box(5, 5) }] });
  await save(items[1] as number, 0);
  await save(items[2] as number, 0);
  await api.post(`/api/projects/${project.id}/items/${items[2]}/submit`, { base_revision: 1 });
  return { projectId: project.id, instructionId: instruction.instruction_id, items, document };
}

const strip = (page: Page) => page.getByTestId("thumbnail-strip");
const thumb = (page: Page, item: number) => strip(page).locator(`[data-item-id="${item}"]`);

async function thumbnailsLoaded(page: Page): Promise<boolean> {
  return strip(page)
    .locator("img")
    .evaluateAll((images) => images.length > 0 && images.every((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0));
}

test("the thumbnail strip and jump to item move about a project", async ({ page, request }) => {
  test.setTimeout(120_000);
  const api = await adminApi(request);
  const made = await makeProject(api, Date.now().toString(36));
  const [first, second, third] = made.items as [number, number, number];
  await signIn(page.context());
  await page.setViewportSize({ width: 1400, height: 850 });
  await open(page, made.projectId, first);

  // The strip shows a window of the list around the open item, each with its state.
  await expect(thumb(page, first)).toHaveAttribute("aria-current", "true");
  await expect(thumb(page, second)).toHaveAttribute("data-state", "in_progress");
  await expect(thumb(page, second)).toContainText("In progress");
  await expect(thumb(page, third)).toHaveAttribute("data-state", "submitted");
  await expect(thumb(page, made.items[3] as number)).toHaveAttribute("data-state", "new");
  const shown = await strip(page).locator("[data-item-id]").count();
  expect(shown).toBeGreaterThan(3);
  expect(shown).toBeLessThan(COUNT + 1); // a window, not the whole list
  // At the start of the list the strip is filled with later items, and cannot go back.
  await expect(strip(page).locator(".ws-thumb-position").last()).toHaveText(String(shown));
  await expect(strip(page).getByRole("button", { name: "Earlier items" })).toBeDisabled();
  await expect.poll(() => thumbnailsLoaded(page)).toBe(true);
  await snap(page, "navigation-01-strip");

  // A click opens that item.
  await thumb(page, third).click();
  await expect(page).toHaveURL(new RegExp(`/items/${third}$`));
  await expect(page.getByTestId("position")).toContainText(`Item 3 of ${COUNT + 1}`);
  await expect(thumb(page, third)).toHaveAttribute("aria-current", "true");

  // Paging shows later items without opening one.
  const lastShown = Number(await strip(page).locator(".ws-thumb-position").last().textContent());
  await strip(page).getByRole("button", { name: "Later items" }).click();
  await expect(thumb(page, made.items[lastShown] as number)).toBeVisible(); // the next position
  await expect(thumb(page, third)).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`/items/${third}$`));
  await strip(page).getByRole("button", { name: "Earlier items" }).click();
  await expect(thumb(page, first)).toBeVisible();

  // Jump by position.
  const jump = page.getByLabel("Jump to item (number or file name)");
  await jump.fill("25");
  await jump.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/items/${made.items[24]}$`));
  await expect(page.getByTestId("position")).toContainText(`Item 25 of ${COUNT + 1}`);
  await expect(page.getByTestId("position")).toContainText("img_25.png");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/items/${made.items[25]}$`));
  await expect(page.getByTestId("position")).toContainText(`Item 26 of ${COUNT + 1}`);

  // A position outside the list says which positions exist.
  await page.getByLabel("Jump to item (number or file name)").fill("999");
  await page.getByLabel("Jump to item (number or file name)").press("Enter");
  await expect(page.locator(".ws-jump").getByRole("alert")).toContainText(`There is no item 999: this project has items 1 to ${COUNT + 1}.`);

  // Jump by file name: one match opens at once, several are offered with their positions.
  await page.getByLabel("Jump to item (number or file name)").fill("ZEBRA");
  await page.getByLabel("Jump to item (number or file name)").press("Enter");
  await expect(page).toHaveURL(new RegExp(`/items/${made.items[COUNT]}$`));
  await expect(page.getByTestId("position")).toContainText(`Item ${COUNT + 1} of ${COUNT + 1}`);
  await page.getByLabel("Jump to item (number or file name)").fill("img_1");
  await page.getByLabel("Jump to item (number or file name)").press("Enter");
  const matches = page.getByRole("list", { name: "Matching items" });
  await expect(matches.getByRole("button")).toHaveCount(10); // img_10 … img_19
  await snap(page, "navigation-02-jump-matches");
  await matches.getByRole("button", { name: /img_12\.png/ }).click();
  await expect(page).toHaveURL(new RegExp(`/items/${made.items[11]}$`));
  await expect(page.getByTestId("position")).toContainText("Item 12 of");

  // The strip folds away, and stays folded after a reload.
  await strip(page).getByRole("button", { name: "▾" }).click();
  await expect(strip(page).locator("[data-item-id]")).toHaveCount(0);
  await page.reload();
  await expect(strip(page).getByRole("button", { name: "▸ Thumbnails" })).toBeVisible();
  await expect(strip(page).locator("[data-item-id]")).toHaveCount(0);
  await strip(page).getByRole("button", { name: "▸ Thumbnails" }).click();
  await expect(thumb(page, made.items[11] as number)).toHaveAttribute("aria-current", "true");
});

test("progress, instruction versions, dataset thumbnails and users on the management pages", async ({ page, request }) => {
  test.setTimeout(120_000);
  const api = await adminApi(request);
  const stamp = Date.now().toString(36);
  const made = await makeProject(api, stamp);
  await signIn(page.context());

  // Progress by state, and the same counts beside the item filter's states.
  await page.goto(`${server.url}/projects/${made.projectId}`);
  await expect(page.getByTestId("progress-summary")).toContainText(`1 of ${COUNT + 1} done`);
  await expect(page.getByTestId("progress-summary")).toContainText("1 in progress");
  await expect(page.getByTestId("progress-summary")).toContainText(`${COUNT - 1} new`);
  await expect(page.getByTestId("state-queued")).toContainText(String(COUNT));
  await expect(page.getByTestId("state-submitted")).toContainText("1");
  await expect(page.getByLabel("State")).toContainText("submitted (1)");
  await page.getByLabel("State").selectOption("submitted");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByRole("region", { name: "Items" }).locator("tbody tr")).toHaveCount(1);

  // A second version of the instruction: the project offers to move, after a dry run.
  const withTruck = { classes: [...(made.document["classes"] as unknown[]), { key: "truck", name: "Truck", color: "#00ff00", tool: "box" }] };
  await api.post(`/api/instructions/${made.instructionId}/versions`, { document: withTruck });
  await page.reload();
  const panel = page.getByRole("region", { name: "Instruction" });
  await expect(panel.getByTestId("pinned-instruction")).toContainText("version 1");
  await expect(panel.getByTestId("pinned-instruction")).toContainText("version 2 is the latest");
  await panel.getByRole("button", { name: "Check moving to version 2…" }).click();
  const dryRun = panel.getByRole("region", { name: "Dry run" });
  await expect(dryRun).toContainText("Moving to version 2 would:");
  await expect(dryRun.locator("li")).toContainText(["truck"]);
  await snap(page, "navigation-03-dry-run");
  await dryRun.getByRole("button", { name: "Move to version 2" }).click();
  await expect(panel.getByRole("status")).toContainText("The project now uses version 2");
  await expect(panel.getByTestId("pinned-instruction")).toContainText("version 2 · the latest");
  expect((await api.get<{ instruction_version: number }>(`/api/projects/${made.projectId}`)).instruction_version).toBe(2);

  // A version that drops the class in use cannot be moved to; the dry run says why.
  await api.post(`/api/instructions/${made.instructionId}/versions`, { document: { classes: [{ key: "truck", name: "Truck", color: "#00ff00", tool: "box" }] } });
  await page.reload();
  await panel.getByRole("button", { name: "Check moving to version 3…" }).click();
  await expect(panel.getByRole("alert")).toContainText("cannot move to version 3");
  await expect(panel.getByRole("alert")).toContainText("car");
  expect((await api.get<{ instruction_version: number }>(`/api/projects/${made.projectId}`)).instruction_version).toBe(2);

  // The projects list names the pinned version and that a later one exists.
  await page.goto(`${server.url}/projects`);
  await expect(page.getByTestId(`pinned-${made.projectId}`)).toContainText(`nav ${stamp} v2`);
  await expect(page.getByTestId(`pinned-${made.projectId}`)).toContainText("v3 available");

  // The builder lists the versions; an older one is read-only until a new one starts from it.
  await page.goto(`${server.url}/instructions/${made.instructionId}`);
  const versions = page.getByRole("region", { name: "Versions" });
  await expect(versions.getByRole("row")).toHaveCount(3);
  await expect(versions.getByTestId("pins-v2")).toContainText("pinned by 1 project");
  await expect(versions.getByTestId("pins-v1")).toContainText("not pinned");
  await expect(versions.getByRole("row").first()).toContainText(server.email);
  await versions.getByRole("button", { name: "v1", exact: true }).click();
  await expect(page.getByRole("button", { name: "Add class" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Save new version" })).toBeDisabled();
  await page.getByRole("button", { name: "Start a new version from v1" }).click();
  await expect(page.getByRole("button", { name: "Add class" })).toBeEnabled();
  await page.getByRole("button", { name: "Save new version" }).click();
  await expect(page.getByText("Saved as version 4.")).toBeVisible();
  await expect(versions.getByRole("row")).toHaveCount(4);
  const fourth = await api.get<{ document: { classes: { key: string }[] } }>(`/api/instructions/${made.instructionId}/versions/4`);
  expect(fourth.document.classes.map((c) => c.key)).toEqual(["car"]);

  // Renaming keeps the versions.
  const naming = page.getByRole("form", { name: "Name" });
  await naming.getByLabel("Instruction name").fill(`renamed ${stamp}`);
  await naming.getByRole("button", { name: "Save name and description" }).click();
  await expect(page.getByRole("heading", { name: `renamed ${stamp}` })).toBeVisible();
  expect((await api.get<{ name: string; latest_version: number }>(`/api/instructions/${made.instructionId}`)).latest_version).toBe(4);
  await snap(page, "navigation-04-versions");

  // A dataset no project uses shows its thumbnails (served through the dataset).
  const loose = await api.post<{ id: number }>("/api/datasets", { name: `loose ${stamp}` });
  await waitForJob(api, (await api.upload<{ id: number }>(`/api/datasets/${loose.id}/uploads`, { "one.png": png(SIZE, SIZE, 30), "two.png": png(SIZE, SIZE, 200) })).id);
  await page.goto(`${server.url}/datasets/${loose.id}`);
  const grid = page.getByTestId("asset-grid");
  await expect(grid.locator("img")).toHaveCount(2);
  await expect(grid.locator("img").first()).toHaveAttribute("src", new RegExp(`^/api/datasets/${loose.id}/assets/\\d+/thumbnail$`));
  await expect.poll(() => grid.locator("img").evaluateAll((images) => images.every((image) => (image as HTMLImageElement).naturalWidth > 0))).toBe(true);

  // Users: add one, make them an admin, deactivate them.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const adding = page.getByRole("form", { name: "Add a user" });
  const email = `new-${stamp}@example.org`;
  await adding.getByLabel("Email").fill(email);
  await adding.getByLabel("Name").fill("New Person");
  await adding.getByLabel("First password (8 characters or more)").fill("short");
  await adding.getByRole("button", { name: "Add user" }).click();
  await expect(adding.locator(".field-problem")).toBeVisible();
  await adding.getByLabel("First password (8 characters or more)").fill("a long enough password");
  await adding.getByRole("button", { name: "Add user" }).click();
  await expect(adding.getByRole("status")).toContainText(`${email} can now sign in`);
  const row = page.locator(`tr[data-user="${email}"]`);
  await expect(row).toContainText("New Person");
  await row.getByLabel(`Organisation role of ${email}`).selectOption("admin");
  await expect.poll(async () => (await api.get<{ items: { email: string; org_role: string }[] }>(`/api/users?search=${encodeURIComponent(email)}`)).items[0]?.org_role).toBe("admin");
  await row.getByRole("button", { name: `Deactivate ${email}` }).click();
  await expect(row).toContainText("deactivated");
  await expect(row.getByRole("button", { name: `Reactivate ${email}` })).toBeVisible();
  await snap(page, "navigation-05-users");
});
