// `npm start`: install if needed → check config, Postgres, Redis → migrate → build → web + worker.
// Flags (used by the e2e suite): --no-build (reuse .next), --no-prepare (skip install/migrate).
import { ensureDependencies, runWebAndWorker, sh } from "./lib.mjs";

const args = new Set(process.argv.slice(2));
if (!args.has("--no-prepare")) {
  ensureDependencies();
  sh("npx", ["tsx", "scripts/preflight.ts"]);
}
if (!args.has("--no-build") && !args.has("--no-prepare")) {
  console.log("[hookflow] building the web app (next build)…");
  sh("npx", ["next", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}
runWebAndWorker();
