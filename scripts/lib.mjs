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

/** Runs a command without blocking the event loop (signals keep working); resolves to its exit code. */
export function run(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  const done = new Promise((resolve) => {
    child.once("error", (err) => {
      console.error(`[hookflow] ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  return { child, done };
}

const log = (line) => console.log(`[hookflow] ${line}`);

/** A crashed child is started again after 1 s, doubling up to 30 s while it keeps crashing… */
export const RESTART_FIRST_MS = 1_000;
export const RESTART_MAX_MS = 30_000;
/** …and a child that ran this long counts as healthy again (the next restart waits 1 s). */
export const HEALTHY_MS = 60_000;

/** Delay before the `crashes`-th consecutive restart: 1 s, 2 s, 4 s, … 30 s. */
export function restartDelay(crashes) {
  return Math.min(RESTART_FIRST_MS * 2 ** Math.max(0, crashes - 1), RESTART_MAX_MS);
}

/** Stops a child: `signal`, then SIGKILL after `graceMs`; resolves when it is gone. */
export function stopChild(child, signal = "SIGTERM", graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * The `npm start` supervisor. `tiers` are started in order and stopped in reverse order (data
 * services first up, last down). A unit is { name, spawn(): ChildProcess, child? (already running),
 * stop?(child): Promise, describe?(pid): string, strictStart? }. A child that exits on its own is
 * logged and started again after restartDelay(); the others keep running. A `strictStart` child
 * that fails with an error code in its first minute, before any restart, stops everything instead
 * (a port in use or bad config is not hidden behind restarts). Returns { stop(code, why) }, which
 * stops everything and then calls `exit(code)` (process.exit unless a test passes its own).
 */
export function supervise(tiers, { exit = (code) => process.exit(code) } = {}) {
  let stopping = false;
  const all = tiers.flat();
  for (const u of all) Object.assign(u, { crashes: 0, restarts: 0, timer: null, startedAt: 0 });

  const launch = (u, running) => {
    const child = running ?? u.spawn();
    u.child = child;
    u.startedAt = Date.now();
    if (!running) log(u.describe ? `started ${u.describe(child.pid)}` : `${u.name} started (pid ${child.pid})`);
    let ended = false;
    const ended1 = (code, signal) => {
      if (ended) return;
      ended = true;
      if (u.child === child) u.child = null;
      exited(u, code, signal);
    };
    child.once("exit", ended1);
    child.once("error", (err) => {
      console.error(`[hookflow] ${u.name}: ${err.message}`);
      ended1(1, null);
    });
  };

  const exited = (u, code, signal) => {
    if (stopping) return;
    const up = Date.now() - u.startedAt;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    if (u.strictStart && u.restarts === 0 && !signal && code !== 0 && up < HEALTHY_MS) {
      void stop(code ?? 1, `${u.name} ${how} while starting — stopping everything`);
      return;
    }
    u.crashes = up >= HEALTHY_MS ? 1 : u.crashes + 1;
    u.restarts += 1;
    const delay = restartDelay(u.crashes);
    log(`${u.name} ${how} after ${Math.round(up / 1000)} s — starting it again in ${delay / 1000} s (restart ${u.restarts}); the rest keeps running`);
    u.timer = setTimeout(() => {
      u.timer = null;
      if (!stopping) launch(u);
    }, delay);
  };

  const stop = async (code, why) => {
    if (stopping) return;
    stopping = true;
    log(why);
    for (const u of all) clearTimeout(u.timer);
    for (const tier of [...tiers].reverse()) {
      await Promise.all(tier.map((u) => (u.child ? (u.stop ? u.stop(u.child) : stopChild(u.child)) : null)));
    }
    log("stopped");
    exit(code);
  };

  for (const tier of tiers) for (const u of tier) launch(u, u.child);
  return { stop };
}

/**
 * V8 flags per process (here; bench/common.ts asks for the same, and docker-compose.yml sets the
 * worker's in NODE_OPTIONS). The worker's `--max-semi-space-size=32`: a young generation of up to
 * 2 × 32 MB instead of 2 × 16. A run's objects die young, but at a thousand runs a second the
 * default one fills several times a second, so runs waiting for an HTTP answer or a commit live
 * through two scavenges and are copied into the old generation; with twice the room the worker
 * scavenges half as often and spends 22–54% less time in it, which shortened the latency tail
 * (p99 lower in 19 of 24 rounds) for a worker peak of 199–224 MB instead of 159–208 (docs/scaling.md
 * «Round 11»). The web was measured with it too: ~30 MB more for no clear gain. A flag the
 * operator's NODE_OPTIONS sets itself is left to it.
 */
export const NODE_FLAGS = { web: [], worker: ["--max-semi-space-size=32"] };

/** The flags of `role` less those `nodeOptions` (NODE_OPTIONS) sets: a command-line flag would win. */
export function nodeFlags(role, nodeOptions = process.env.NODE_OPTIONS ?? "") {
  const set = new Set(nodeOptions.split(/\s+/).map((o) => o.split("=")[0]));
  return NODE_FLAGS[role].filter((f) => !set.has(f.split("=")[0]));
}

/** web (dist/server.js) and worker (dist/worker/index.js) as supervised units. */
export function appUnits(extraEnv = {}) {
  const env = { ...process.env, NODE_ENV: "production", ...extraEnv };
  // Plain `node dist/…` (compiled by scripts/build-node.mjs, which start.mjs runs first): no
  // TypeScript loader in the long-running processes and no tsx/npx parent process holding memory.
  // Same command lines as bench/e2e.ts measures.
  const run = (role, script) => () => spawn(process.execPath, [...nodeFlags(role, env.NODE_OPTIONS), script], { cwd: root, env, stdio: "inherit" });
  return [
    // The web closes its server and exits within 5 s; the worker finishes in-flight jobs (25 s).
    { name: "web", spawn: run("web", "dist/server.js"), stop: (c) => stopChild(c, "SIGTERM", 15_000), strictStart: true },
    { name: "worker", spawn: run("worker", "dist/worker/index.js"), stop: (c) => stopChild(c, "SIGTERM", 45_000), strictStart: true },
  ];
}
