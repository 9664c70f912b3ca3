// `npm start`: install if needed → Postgres and Redis (configured, at the default address, or
// embedded ones it starts itself) → check config, migrate → build (next build, then the web and the
// worker compiled to dist/ by scripts/build-node.mjs) → web + worker, supervised.
// Flags (used by the e2e suite): --no-build (reuse .next), --no-prepare (skip install/migrate).
// Environment: HOOKFLOW_EMBEDDED=1 forces the embedded services (=0 never starts them),
// HOOKFLOW_EMBEDDED_PG_PORT / HOOKFLOW_EMBEDDED_REDIS_PORT (15432 / 16379), HOOKFLOW_EMBEDDED_DIR
// (.hookflow). See README.md «Two commands» and docs/architecture.md.
import path from "node:path";
import { appUnits, ensureDependencies, root, run, supervise } from "./lib.mjs";

const args = new Set(process.argv.slice(2));
const log = (line) => console.log(`[hookflow] ${line}`);

/** What is running so far; a signal or a failure before the supervisor takes over stops these. */
const started = [];
let step = null;
let pending = null;
let stopAll = async (code, why) => {
  if (why) console.error(`[hookflow] ${why}`);
  if (step) step.kill("SIGTERM");
  const late = pending && (await pending.catch(() => null));
  if (late && !started.includes(late)) started.push(late);
  for (const s of [...started].reverse()) await s.stop(s.child);
  process.exit(code);
};
let signalled = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (signalled) return;
    signalled = true;
    void stopAll(0, `${sig}: stopping`);
  });
}

async function sh(cmd, cmdArgs, env) {
  const r = run(cmd, cmdArgs, { env });
  step = r.child;
  const code = await r.done;
  step = null;
  if (code !== 0 && !signalled) await stopAll(code, `failed: ${cmd} ${cmdArgs.join(" ")}`);
}

async function main() {
  if (!args.has("--no-prepare")) ensureDependencies();
  // Loaded after the install: the embedded PostgreSQL's binaries come from node_modules.
  const { planServices, startEmbeddedPostgres, startEmbeddedRedis } = await import("./services.mjs");
  const env = { ...process.env };
  const plan = await planServices(env);
  const dir = path.resolve(root, env.HOOKFLOW_EMBEDDED_DIR || ".hookflow");
  const why = plan.mode === "force" ? "HOOKFLOW_EMBEDDED=1" : null;
  for (const [key, name, variable, starter] of [
    ["postgres", "PostgreSQL", "DATABASE_URL", startEmbeddedPostgres],
    ["redis", "Redis", "REDIS_URL", startEmbeddedRedis],
  ]) {
    const p = plan[key];
    if (p.source === "configured") {
      if (why) log(`${variable} is set, so ${name} is not embedded (a configured address is never replaced)`);
      continue;
    }
    if (p.source === "default") {
      env[variable] = p.url;
      continue;
    }
    log(`${why ?? `${variable} is not set and nothing answers at ${p.address}`}: starting an embedded ${name}`);
    if (signalled) return;
    try {
      pending = starter(dir, p.port);
      const s = await pending;
      pending = null;
      if (signalled) return;
      started.push(s);
      log(`started ${s.describe(s.child.pid)}`);
      env[variable] = s.url;
    } catch (err) {
      pending = null;
      if (signalled) return;
      await stopAll(1, `could not start the embedded ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (signalled) return;
  if (!args.has("--no-prepare")) await sh("npx", ["tsx", "scripts/preflight.ts"], env);
  if (!args.has("--no-build") && !args.has("--no-prepare")) {
    log("building the web app (next build)…");
    await sh("npx", ["next", "build"], { ...env, NEXT_TELEMETRY_DISABLED: "1" });
  }
  if (signalled) return;
  // Always (about a second): the web and the worker run compiled JavaScript, which must match the sources.
  await sh(process.execPath, ["scripts/build-node.mjs"], env);
  if (signalled) return;
  // From here on the supervisor owns every child: the data services stop last.
  const services = started.map((s) => ({ ...s, describe: (pid) => s.describe(pid) }));
  const sup = supervise(services.length ? [services, appUnits(env)] : [appUnits(env)]);
  stopAll = (code, why) => sup.stop(code, why);
}

main().catch((err) => stopAll(1, `start failed: ${err instanceof Error ? err.message : String(err)}`));
