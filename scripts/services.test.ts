// `npm start`'s building blocks: which services it uses (configured / default / embedded), the
// restart backoff, the supervisor with real child processes, and the embedded PostgreSQL and Redis
// (real servers on free ports, data in a temporary directory). The whole `npm start` is exercised
// end to end by e2e/start.spec.ts.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { envSchema } from "../lib/env";
import { restartDelay, supervise, type Unit } from "./lib.mjs";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  EMBEDDED_PG_PORT,
  EMBEDDED_REDIS_PORT,
  planServices,
  startEmbeddedPostgres,
  startEmbeddedRedis,
} from "./services.mjs";

async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("planServices", () => {
  const nothingAnswers = async () => false;
  const everythingAnswers = async () => true;

  it("keeps the defaults of lib/env.ts", () => {
    const d = envSchema.parse({ AUTH_SECRET: "x".repeat(32), ENCRYPTION_KEY: Buffer.alloc(32).toString("base64") });
    expect(d.DATABASE_URL).toBe(DEFAULT_DATABASE_URL);
    expect(d.REDIS_URL).toBe(DEFAULT_REDIS_URL);
  });

  it("uses what answers at the default addresses and embeds what does not", async () => {
    const probed: string[] = [];
    const plan = await planServices({}, async (host, port) => {
      probed.push(`${host}:${port}`);
      return port === 6379;
    });
    expect(probed.sort()).toEqual(["127.0.0.1:5432", "127.0.0.1:6379"]);
    expect(plan.postgres).toEqual({ source: "embedded", port: EMBEDDED_PG_PORT, address: "127.0.0.1:5432" });
    expect(plan.redis).toEqual({ source: "default", url: DEFAULT_REDIS_URL, address: "127.0.0.1:6379" });
  });

  it("never replaces a configured address, not even with HOOKFLOW_EMBEDDED=1", async () => {
    const env = { DATABASE_URL: "postgresql://u@db.example:5432/x", REDIS_URL: "redis://cache.example:6379", HOOKFLOW_EMBEDDED: "1" };
    const plan = await planServices(env, nothingAnswers);
    expect(plan.postgres).toEqual({ source: "configured", url: env.DATABASE_URL });
    expect(plan.redis).toEqual({ source: "configured", url: env.REDIS_URL });
  });

  it("HOOKFLOW_EMBEDDED=1 embeds on its own ports without probing the defaults", async () => {
    const plan = await planServices({ HOOKFLOW_EMBEDDED: "1", HOOKFLOW_EMBEDDED_PG_PORT: "25432", HOOKFLOW_EMBEDDED_REDIS_PORT: "26379" }, async () => {
      throw new Error("must not probe");
    });
    expect(plan.postgres).toEqual({ source: "embedded", port: 25432 });
    expect(plan.redis).toEqual({ source: "embedded", port: 26379 });
    expect(EMBEDDED_PG_PORT).not.toBe(5432);
    expect(EMBEDDED_REDIS_PORT).not.toBe(6379);
  });

  it("HOOKFLOW_EMBEDDED=0 keeps the defaults (preflight then says how to start them)", async () => {
    const plan = await planServices({ HOOKFLOW_EMBEDDED: "0" }, nothingAnswers);
    expect(plan.postgres.source).toBe("default");
    expect(plan.redis.source).toBe("default");
    expect((await planServices({}, everythingAnswers)).postgres).toEqual({ source: "default", url: DEFAULT_DATABASE_URL, address: "127.0.0.1:5432" });
  });

  it("test-only overrides move the default addresses", async () => {
    const plan = await planServices({ HOOKFLOW_TEST_DEFAULT_PG: "127.0.0.1:1", HOOKFLOW_TEST_DEFAULT_REDIS: "127.0.0.1:2" }, nothingAnswers);
    expect(plan.postgres.address).toBe("127.0.0.1:1");
    expect(plan.redis.address).toBe("127.0.0.1:2");
  });

  it("names a bad switch or port", async () => {
    await expect(planServices({ HOOKFLOW_EMBEDDED: "maybe" })).rejects.toThrow(/HOOKFLOW_EMBEDDED must be 1 or 0/);
    await expect(planServices({ HOOKFLOW_EMBEDDED: "1", HOOKFLOW_EMBEDDED_PG_PORT: "70000" })).rejects.toThrow(/HOOKFLOW_EMBEDDED_PG_PORT must be a port/);
  });
});

describe("supervisor", () => {
  it("backs off 1 s doubling to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("restarts a killed child while the other keeps running; stop ends everything, data tier last", async () => {
    const idle = () =>
      spawn(process.execPath, ["-e", "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 200)); setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const stopped: string[] = [];
    const unit = (name: string): Unit => ({
      name,
      spawn: idle,
      stop: (c: ChildProcess) =>
        new Promise<void>((r) => {
          c.once("exit", () => {
            stopped.push(name);
            r();
          });
          c.kill("SIGTERM");
        }),
    });
    const data = unit("data");
    const web = unit("web");
    const worker = unit("worker");
    let exitCode: number | undefined;
    const sup = supervise([[data], [web, worker]], { exit: (code) => (exitCode = code) });
    const webPid = web.child!.pid!;
    const firstWorker = worker.child!.pid!;
    const killedAt = Date.now();
    process.kill(firstWorker, "SIGKILL");
    const second = await waitFor(() => (worker.child?.pid !== firstWorker ? worker.child?.pid : undefined), 5_000, "a new worker");
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(900); // waited the 1 s backoff
    expect(alive(second)).toBe(true);
    expect(web.child!.pid).toBe(webPid);
    expect(alive(webPid)).toBe(true);
    expect(worker.restarts).toBe(1);

    await sup.stop(0, "test: stopping");
    expect(exitCode).toBe(0);
    expect(stopped.slice(0, 2).sort()).toEqual(["web", "worker"]);
    expect(stopped[2]).toBe("data");
    for (const pid of [webPid, second]) expect(alive(pid)).toBe(false);
  }, 30_000);

  it("a strict child that fails while starting stops everything with its code", async () => {
    const other: Unit = { name: "other", spawn: () => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }) };
    const broken: Unit = { name: "web", strictStart: true, spawn: () => spawn(process.execPath, ["-e", "process.exit(3)"], { stdio: "ignore" }) };
    let otherPid = 0;
    const exited = new Promise<number>((resolve) => {
      supervise([[other, broken]], { exit: resolve });
      otherPid = other.child!.pid!;
    });
    expect(await exited).toBe(3);
    expect(alive(otherPid)).toBe(false);
    expect(broken.restarts).toBe(0);
  }, 30_000);
});

describe("embedded services", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hookflow-embedded-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("PostgreSQL: initialised once under the data directory, UTF-8, restarted on its data, a leftover from a killed start is stopped first", async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres(dir, port);
    expect(fs.existsSync(path.join(dir, "postgres", "PG_VERSION"))).toBe(true);
    expect(first.describe(first.child.pid)).toContain(`127.0.0.1:${port}`);
    const c = new pg.Client({ connectionString: first.url.replace(/\/hookflow$/, "/postgres") });
    await c.connect();
    const r = await c.query("SELECT current_setting('server_encoding') AS enc, lower('ЁЛКА Мария') AS low");
    await c.query("CREATE DATABASE kept");
    await c.end();
    expect(r.rows[0]).toEqual({ enc: "UTF8", low: "ёлка мария" });
    // No password, no entry.
    const anon = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres", password: "wrong" });
    await expect(anon.connect()).rejects.toThrow(/password authentication failed/);
    await anon.end().catch(() => undefined);

    // The supervisor was killed hard: its PostgreSQL still runs. The next start stops it first.
    const leftover = first.child.pid!;
    const second = await startEmbeddedPostgres(dir, port);
    expect(alive(leftover)).toBe(false);
    const c2 = new pg.Client({ connectionString: second.url.replace(/\/hookflow$/, "/postgres") });
    await c2.connect();
    const dbs = await c2.query("SELECT datname FROM pg_database WHERE datname = 'kept'");
    await c2.end();
    expect(dbs.rowCount).toBe(1);
    await second.stop(second.child);
    expect(alive(second.child.pid!)).toBe(false);
    expect(fs.existsSync(path.join(dir, "postgres", "postmaster.pid"))).toBe(false); // a clean shutdown
  }, 120_000);

  it("Redis: append-only data under the data directory, says how to install it when missing, refuses a port taken by someone else", async () => {
    const port = await freePort();
    const r = await startEmbeddedRedis(dir, port);
    const { Redis } = await import("ioredis");
    const client = new Redis(r.url);
    await client.set("k", "значение");
    expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await client.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    client.disconnect();
    await r.stop(r.child);
    expect(fs.readdirSync(path.join(dir, "redis"))).toContain("appendonlydir");

    const again = await startEmbeddedRedis(dir, port);
    const c2 = new Redis(again.url);
    expect(await c2.get("k")).toBe("значение");
    c2.disconnect();
    await again.stop(again.child);

    // Not installed and not installable here: one line says how to get it.
    await expect(startEmbeddedRedis(dir, port, { find: () => null, canApt: () => false })).rejects.toThrow(
      /^redis-server is not installed: install it \(Debian\/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`\) or set REDIS_URL$/,
    );

    const squatter = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    await expect(startEmbeddedRedis(dir, port)).rejects.toThrow(new RegExp(`port ${port} .* HOOKFLOW_EMBEDDED_REDIS_PORT`));
    squatter.close();
  }, 60_000);
});
