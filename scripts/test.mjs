// `npm test`: everything from a fresh clone — dependencies, Chromium, the code's shape (ESLint,
// the dependency rules, Prettier's check), test databases, unit + integration tests (Vitest, real
// Postgres/Redis/SMTP sink), then Playwright against a build. `npm test shape|unit|e2e` runs one part.
import fs from "node:fs";
import { ensureDependencies, sh } from "./lib.mjs";

const E2E_DB = process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_e2e";

ensureDependencies();
if (!fs.existsSync("/usr/bin/chromium")) {
  console.log("[test] installing Debian's chromium…");
  sh("bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"]);
}
const only = process.argv[2];
if (!only || only === "shape") {
  sh("npm", ["run", "--silent", "lint"]);
  sh("npm", ["run", "--silent", "check:format"]);
}
if (!only || only === "unit") {
  sh("npx", ["vitest", "run"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}
if (!only || only === "e2e") {
  sh("npx", ["tsx", "scripts/db.ts", "reset"], { env: { ...process.env, DATABASE_URL: E2E_DB } });
  sh("npx", ["next", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  sh("npx", ["playwright", "test"], { env: { ...process.env, E2E_DATABASE_URL: E2E_DB } });
}
console.log("[test] all suites passed");
