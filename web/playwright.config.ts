import { defineConfig, devices } from "@playwright/test";

// Browser journeys against a real `pixelwise serve` with a fresh data directory (see
// e2e/global-setup.ts). The browser is the system's Chromium: Playwright's own browser
// downloads are not used (CHROMIUM_PATH overrides the path).
export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env["CI"]),
  reporter: [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    launchOptions: { executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium" },
    screenshot: "on",
    trace: "retain-on-failure",
  },
});
