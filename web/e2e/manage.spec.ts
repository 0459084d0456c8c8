import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { expect, type Page, test } from "@playwright/test";
import { drag, objectRows, saved as savedState } from "./kit";
import { e2eServer } from "./server";

const server = e2eServer();

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A small RGB PNG filled with one colour (each colour gives a different file). */
function png(width: number, height: number, rgb: readonly [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x += 1) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel("Email").fill(server.email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/datasets$/);
}

test("dataset, instruction, project, labelling, export", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);

  // A dataset made from the list page.
  await page.getByRole("button", { name: "New dataset" }).click();
  await page.getByLabel("Dataset name").fill("street photos");
  await page.getByLabel("Description").fill("three test images");
  await page.getByRole("button", { name: "Create dataset" }).click();
  await expect(page.getByRole("heading", { name: "street photos" })).toBeVisible();
  const datasetUrl = page.url();

  // A folder of three PNGs, picked with the folder picker.
  const root = mkdtempSync(join(tmpdir(), "pixelwise-upload-"));
  const folder = join(root, "trip");
  mkdirSync(folder);
  const colours: [number, number, number][] = [[200, 30, 30], [30, 200, 30], [30, 30, 200]];
  colours.forEach((rgb, index) => writeFileSync(join(folder, `0${index + 1}.png`), png(64, 48, rgb)));
  await page.locator('input[aria-label="Folder to upload"]').setInputFiles(folder);
  const report = page.getByLabel("Import report");
  await expect(report).toContainText("3 imported");
  await expect(report).toContainText("0 failed");
  await expect(report.getByText("trip/01.png")).toBeVisible();
  await snap(page, "manage-01-upload-report");

  // The folder tree: the upload kept its folder.
  await page.getByRole("button", { name: /trip/ }).click();
  await expect(page.getByTestId("asset-grid").locator("figure")).toHaveCount(3);
  await expect(page.locator(".breadcrumb")).toContainText("street photos / trip");

  // An instruction: a box class with a required single-choice attribute, a polygon class, a question.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Instructions" }).click();
  await page.getByRole("link", { name: "New instruction" }).click();
  await page.getByLabel("Instruction name").fill("street objects");
  await page.getByRole("button", { name: "Add class" }).click();
  const car = page.getByRole("group", { name: "Class 1", exact: true });
  await car.getByLabel("Name", { exact: true }).fill("Car");
  await expect(car.getByLabel("Key", { exact: true })).toHaveValue("car");
  await car.getByLabel("Hotkey").fill("c");
  await car.getByRole("button", { name: "Add attribute" }).click();
  const colour = page.getByRole("group", { name: "Attribute 1 of class 1" });
  await colour.getByLabel("Attribute name").fill("Colour");
  await colour.getByLabel("Required").check();
  await colour.getByRole("button", { name: "Add choice" }).click();
  await colour.getByLabel("Choice 1", { exact: true }).fill("Red");
  await colour.getByRole("button", { name: "Add choice" }).click();
  await colour.getByLabel("Choice 2", { exact: true }).fill("Dark blue");
  await expect(colour.getByLabel("Key", { exact: true }).nth(1)).toHaveValue("dark_blue");
  await page.getByRole("button", { name: "Add class" }).click();
  const road = page.getByRole("group", { name: "Class 2", exact: true });
  await road.getByLabel("Name", { exact: true }).fill("Road");
  await road.getByLabel("Tool").selectOption("polygon");
  await road.getByLabel("Hotkey").fill("C");
  await page.getByRole("button", { name: "Add question" }).click();
  const weather = page.getByRole("group", { name: "Question 1" });
  await weather.getByLabel("Question", { exact: true }).fill("Weather");
  await weather.getByRole("button", { name: "Add choice" }).click();
  await weather.getByLabel("Choice 1", { exact: true }).fill("Sunny");
  await weather.getByRole("button", { name: "Add choice" }).click();
  await weather.getByLabel("Choice 2", { exact: true }).fill("Rainy");
  // The preview shows the side panel as annotators will see it.
  const preview = page.getByRole("complementary", { name: "Annotator preview" });
  await preview.getByRole("button", { name: /Car/ }).click();
  await expect(preview.getByLabel(/Colour/)).toBeVisible();
  await expect(preview.getByText("Weather")).toBeVisible();

  // The server refuses the duplicate hotkey; its problem shows at the field.
  await page.getByRole("button", { name: "Create instruction" }).click();
  await expect(road.locator(".field-problem")).toContainText("already used by classes[0].hotkey");
  await expect(road.getByLabel("Hotkey")).toHaveAttribute("aria-invalid", "true");
  await snap(page, "manage-02-instruction-problem");
  await road.getByLabel("Hotkey").fill("r");
  await page.getByRole("button", { name: "Create instruction" }).click();
  await expect(page).toHaveURL(/\/instructions\/\d+$/);
  await expect(page.getByRole("heading", { name: "street objects" })).toBeVisible();
  await expect(page.getByLabel("Versions").getByRole("button", { name: "v1" })).toHaveAttribute("aria-current", "true");
  await expect(page.getByRole("group", { name: "Class 2", exact: true }).getByLabel("Hotkey")).toHaveValue("r");
  await snap(page, "manage-03-instruction-saved");

  // A project over the dataset with that instruction: its three items.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  await page.getByRole("link", { name: "New project" }).click();
  await page.getByLabel("Project name").fill("street labels");
  await page.getByLabel("Dataset").selectOption({ label: "street photos (3 assets)" });
  await page.getByLabel("Instruction", { exact: true }).selectOption({ label: "street objects" });
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "street labels" })).toBeVisible();
  const items = page.getByRole("region", { name: "Items" });
  await expect(items.locator("tbody tr")).toHaveCount(3);
  await expect(items.getByRole("link", { name: "open" }).first()).toHaveAttribute("href", /\/projects\/\d+\/items\/\d+$/);
  await expect(page.getByTestId("state-queued")).toContainText("3");
  await expect(page.getByRole("region", { name: "Members" })).toContainText(server.email);
  const projectUrl = page.url();

  // Label the first item: a box of the first class; submit is refused until its required
  // colour is chosen; then the item is submitted and the next one opens.
  await items.getByRole("link", { name: "open" }).first().click();
  await expect.poll(() => page.evaluate(() => window.__pixelwise !== undefined && window.__pixelwise.stage.stats.imageDrawnAt !== null)).toBe(true);
  await expect(page.getByRole("button", { name: "Box", pressed: true })).toBeVisible();
  await drag(page, [10, 10], [40, 30]);
  await expect(objectRows(page)).toHaveCount(1);
  await page.getByRole("button", { name: "Submit", exact: true }).click();
  await expect(page.getByTestId("item-state")).not.toHaveText("Submitted");
  await page.getByLabel(/Colour/).selectOption({ label: "Red" });
  await page.getByLabel("Weather").selectOption({ label: "Sunny" });
  await savedState(page);
  await page.getByRole("button", { name: "Submit", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: /\.png was submitted\./ })).toBeVisible();
  await snap(page, "manage-04-labelled");
  await page.goto(projectUrl);
  await expect(page.getByTestId("state-submitted")).toContainText("1");

  // A JSON export, downloaded whole.
  const exporting = page.getByRole("region", { name: "Export" });
  await exporting.getByRole("button", { name: "Start export" }).click();
  const link = exporting.getByRole("link", { name: "Download the export" });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await snap(page, "manage-05-project-export");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const saved = test.info().outputPath("export.json");
  await download.saveAs(saved);
  expect(download.suggestedFilename()).toMatch(/\.json$/);
  const exported = readFileSync(saved, "utf8");
  expect(exported).toContain("01.png");
  expect(exported).toMatch(/"class":\s*"car"/);
  expect(exported).toMatch(/"colour":\s*"red"/);

  // Thumbnails show in the dataset once a project serves its media.
  await page.goto(`${datasetUrl}?folder=trip`);
  await expect(page.getByTestId("asset-grid").locator("img")).toHaveCount(3);
  await expect.poll(() => page.getByTestId("asset-grid").locator("img").evaluateAll((images) => images.every((image) => (image as HTMLImageElement).naturalWidth > 0))).toBe(true);
  await snap(page, "manage-06-thumbnails");

  // The server refuses to delete a dataset a project uses; the confirmation names the project.
  await page.getByRole("button", { name: "Delete dataset…" }).click();
  const confirm = page.getByRole("dialog", { name: "Confirm deletion" });
  await expect(confirm).toContainText("street labels");
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(confirm.getByRole("alert")).toBeVisible();
  await snap(page, "manage-07-delete-refused");
  expect(projectUrl).toMatch(/\/projects\/\d+$/);
});
