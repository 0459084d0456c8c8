// Starts a real server for the browser tests: a temporary PIXELWISE_HOME, an admin created
// with `pixelwise users create`, and `pixelwise serve` on a free port, waited for until
// /api/health answers. The returned function stops it and removes the data directory; the
// server's log is kept in test-results/serve.log.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_EMAIL, ADMIN_PASSWORD, SERVER_URL } from "./server";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = resolve(WEB, "..");
const BUILD_INDEX = join(REPO, "src", "pixelwise", "web_dist", "index.html");
const PIXELWISE = process.env["PIXELWISE_BIN"] ?? join(REPO, ".venv", "bin", "pixelwise");
const RESULTS = join(WEB, "test-results");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/** The newest modification time of the files the build is made from. */
function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, name)));
  return newest;
}

/** Build the client when there is no build or it is older than its sources. */
function ensureBuild(): void {
  const sources = ["src", "public", "index.html", "vite.config.ts", "package-lock.json"].map((name) => join(WEB, name));
  const built = existsSync(BUILD_INDEX) ? statSync(BUILD_INDEX).mtimeMs : 0;
  if (built >= Math.max(...sources.map(newestSource))) return;
  console.log("e2e: the client build is missing or stale; running npx vite build");
  const run = spawnSync("npx", ["vite", "build"], { cwd: WEB, stdio: "inherit" });
  if (run.status !== 0) throw new Error("npx vite build failed");
}

/** The environment of the server's commands: none of the developer's own PIXELWISE_ settings. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("PIXELWISE_")) env[key] = value;
  }
  return {
    ...env,
    PIXELWISE_HOME: home,
    PIXELWISE_ARGON2_TIME_COST: "1",
    PIXELWISE_ARGON2_MEMORY_KIB: "64",
    PIXELWISE_LOG_FORMAT: "text",
  };
}

async function waitForHealth(url: string, server: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`pixelwise serve exited early (${server.exitCode}); see test-results/serve.log`);
    try {
      if ((await fetch(`${url}/api/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`pixelwise serve did not answer ${url}/api/health in ${seconds} s`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => server.kill("SIGKILL"), 15_000);
    server.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    server.kill("SIGTERM");
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureBuild();
  const home = mkdtempSync(join(tmpdir(), "pixelwise-e2e-"));
  const env = serverEnv(home);
  const email = "e2e-admin@example.org";
  const password = randomBytes(12).toString("base64url");

  const created = spawnSync(PIXELWISE, ["users", "create", "--email", email, "--admin", "--password-stdin"], {
    env,
    input: `${password}\n`,
    encoding: "utf8",
  });
  if (created.status !== 0) {
    rmSync(home, { recursive: true, force: true });
    throw new Error(`pixelwise users create failed: ${created.error?.message ?? created.stderr}`);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(RESULTS, { recursive: true });
  const log = createWriteStream(join(RESULTS, "serve.log"));
  const server = spawn(PIXELWISE, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  try {
    await waitForHealth(url, server, 60);
  } catch (error) {
    await stop(server);
    rmSync(home, { recursive: true, force: true });
    throw error;
  }

  process.env[SERVER_URL] = url;
  process.env[ADMIN_EMAIL] = email;
  process.env[ADMIN_PASSWORD] = password;
  return async () => {
    await stop(server);
    log.end();
    rmSync(home, { recursive: true, force: true });
  };
}
