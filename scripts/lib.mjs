// Helpers shared by start.mjs and test.mjs. Plain Node: they run before dependencies exist.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..");

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`[hookflow] failed: ${cmd} ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
}

/** npm ci when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = path.join(root, "node_modules", ".package-lock.json");
  const lock = path.join(root, "package-lock.json");
  const stale = !fs.existsSync(marker) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs);
  if (stale) {
    console.log("[hookflow] installing dependencies (npm ci)…");
    sh("npm", ["ci", "--no-audit", "--no-fund"]);
  }
  // The Prisma client is generated, not committed; generate never needs the schema engine binary.
  const generated = path.join(root, "lib", "generated", "prisma", "client.ts");
  const schema = path.join(root, "prisma", "schema.prisma");
  if (!fs.existsSync(generated) || fs.statSync(schema).mtimeMs > fs.statSync(generated).mtimeMs) {
    sh("npx", ["prisma", "generate"], { env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true" } });
  }
}

/** Runs web and worker as one process tree: Ctrl-C (or either dying) stops both. */
export function runWebAndWorker(extraEnv = {}) {
  const env = { ...process.env, NODE_ENV: "production", ...extraEnv };
  // `node --import tsx <script>`, not the tsx CLI: the CLI keeps a parent process of its own
  // (~50 MB RSS each) just to relay signals. Same command line as bench/e2e.ts measures.
  const run = (script) => spawn(process.execPath, ["--import", "tsx", script], { cwd: root, env, stdio: "inherit" });
  const children = [run("server.ts"), run("worker/index.ts")];
  let exiting = false;
  const stopAll = (code) => {
    if (exiting) return;
    exiting = true;
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    setTimeout(() => process.exit(code), 30_000).unref();
    Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r))))).then(() => process.exit(code));
  };
  for (const c of children) c.on("exit", (code) => stopAll(code ?? 0));
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));
}
