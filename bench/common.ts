// Helpers shared by bench/e2e.ts and bench/scale-out.ts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import pg from "pg";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_bench";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/5";
export const WEEEK_TOKEN = "wk_test_0123456789abcdef";

export const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
export const log = (m: string) => console.log(`[bench] ${m}`);

export type Proc = { name: string; child: ChildProcess; ready: Promise<void>; output(): string; stop(): Promise<void> };

/** A node child process; ready once its stdout matched readyRe `times` times. */
export function start(name: string, args: string[], cwd: string, env: Record<string, string>, readyRe: RegExp, times = 1): Proc {
  // BENCH_PROFILE=<dir>: write a V8 CPU profile of each process there (open in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // BENCH_LOOP_TRACE=<dir>: each process writes its event-loop delay and GC pauses per second there.
  const trace = process.env.BENCH_LOOP_TRACE ? ["--require", path.join(ROOT, "bench", "loop-trace.cjs")] : [];
  if (process.env.BENCH_LOOP_TRACE) fs.mkdirSync(process.env.BENCH_LOOP_TRACE, { recursive: true });
  // BENCH_ALLOC_PROFILE=<dir>: each process writes what it allocated, by stack, there at exit.
  const alloc = process.env.BENCH_ALLOC_PROFILE ? ["--require", path.join(ROOT, "bench", "alloc-profile.cjs")] : [];
  const child = spawn(process.execPath, [...profile, ...trace, ...alloc, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let seen = 0;
  // With BENCH_LOOP_TRACE, the process's whole standard output is kept there too (--trace-gc-nvp, say).
  if (process.env.BENCH_LOOP_TRACE) child.stdout!.pipe(fs.createWriteStream(path.join(process.env.BENCH_LOOP_TRACE, `${child.pid}.stdout`)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const global = new RegExp(readyRe.source, "g");
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const text = d.toString();
      seen += (text.match(global) ?? []).length;
      out += text;
      if (seen >= times) resolve();
      if (out.length > 100_000) out = out.slice(-10_000);
    });
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    name,
    child,
    ready,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 40_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * The outside system the 3-step pipeline POSTs to: answers every request with a small JSON body
 * on a kept-alive connection. `onRequest` sees each request first (scale-out counts keys).
 */
export async function startEchoServer(path: string, onRequest?: (req: http.IncomingMessage) => void): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    onRequest?.(req);
    req.resume();
    req.on("end", () => {
      const body = '{"ok":true,"n":1}';
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, close: () => void server.close() };
}

/** Resident memory of a process and its descendants (a cluster primary and its workers). */
export function rssMb(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    total += m ? Number(m[1]) / 1024 : 0;
    if (withChildren) {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
        for (const k of kids ? kids.split(/\s+/) : []) total += rssMb(Number(k), true);
      }
    }
  } catch {
    // gone
  }
  return total;
}

/** CPU time (user + system) a process has used so far, in ms (/proc, clock ticks of 10 ms). */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** System calls that read and that wrote (all threads of the process so far; /proc/<pid>/io). */
export function syscalls(pid: number | undefined): { reads: number; writes: number } {
  if (!pid) return { reads: 0, writes: 0 };
  try {
    const io = fs.readFileSync(`/proc/${pid}/io`, "utf8");
    return { reads: Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0), writes: Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0) };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/**
 * CPU time so far of every Postgres and Redis server process on the machine, by pid: the shared
 * services do part of each run's work (their share is what a leaner statement saves).
 */
export function servicesCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${d}/comm`, "utf8").trim();
      if (comm === "postgres" || comm.startsWith("postgres:") || comm === "redis-server") out.set(Number(d), cpuMs(Number(d)));
    } catch {
      // gone
    }
  }
  return out;
}

/** CPU the services used since `before` (processes started since count from zero). */
export function servicesCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of servicesCpuMs()) total += ms - (before.get(pid) ?? 0);
  return total;
}

export { freePort } from "../test/support/free-port";

export function dbUrl(suffix: string): string {
  const u = new URL(DB_URL);
  u.pathname = `${u.pathname}${suffix}`;
  return u.toString();
}

/**
 * How a checkout runs its web and worker, as `npm start` runs them: compiled JS when it has a
 * build:node script (built now), with the V8 flags its scripts/lib.mjs gives them (none before
 * round 11).
 */
export function hookflowCommand(dir: string): (script: "server" | "worker") => string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  if (pkg.scripts?.["build:node"]) {
    execFileSync("npm", ["run", "-s", "build:node"], { cwd: dir, stdio: "inherit" });
    const ask = `import(${JSON.stringify(path.join(dir, "scripts", "lib.mjs"))}).then((m) => console.log(JSON.stringify(m.nodeFlags ? { web: m.nodeFlags("web"), worker: m.nodeFlags("worker") } : { web: [], worker: [] })))`;
    const flags: { web: string[]; worker: string[] } = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", ask], { cwd: dir, encoding: "utf8" }),
    );
    return (s) => (s === "server" ? [...flags.web, "dist/server.js"] : [...flags.worker, "dist/worker/index.js"]);
  }
  return (s) => ["--import", "tsx", s === "server" ? "server.ts" : "worker/index.ts"];
}

export type PipelineRef = { id: string; webhookToken: string };
export type Target = { label: string; dir: string; db: string; pool: pg.Pool; pipelines: { seed: PipelineRef; three: PipelineRef; ceiling: PipelineRef } };

/** Resets `db` with the migrations of checkout `dir` and creates the bench's user and pipelines. */
export function prepare(label: string, dir: string, db: string, urls: { echo: string; weeek: string; weeekStatus: string }): Target {
  log(`${label}: resetting ${db} with the migrations of ${dir}`);
  const env = { ...process.env, DATABASE_URL: db, REDIS_URL };
  execFileSync("npx", ["tsx", "scripts/db.ts", "reset"], { cwd: dir, env, stdio: "inherit" });
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "setup-pipelines.ts")], {
    cwd: dir,
    env: { ...env, BENCH_ROOT: dir, BENCH_ECHO_URL: urls.echo, BENCH_WEEEK_URL: urls.weeek, BENCH_WEEEK_STATUS: urls.weeekStatus },
    encoding: "utf8",
  });
  const line = out.split("\n").find((l) => l.startsWith("BENCH_PIPELINES "))!;
  return { label, dir, db, pool: new pg.Pool({ connectionString: db, max: 4 }), pipelines: JSON.parse(line.slice("BENCH_PIPELINES ".length)) };
}

export async function emptyQueue(redis: Redis, name: string): Promise<void> {
  const q = new Queue(name, { connection: redis });
  await q.obliterate({ force: true });
  await q.close();
}

export function hookClient(connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  function hook(port: number, token: string, query: string): Promise<{ status: number; runId?: string; at: number }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: `/hooks/${token}?${query}`, method: "GET", agent }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => {
          const at = Date.now();
          try {
            resolve({ status: res.statusCode ?? 0, runId: JSON.parse(body).runId, at });
          } catch {
            resolve({ status: res.statusCode ?? 0, at });
          }
        });
      });
      req.on("error", reject);
      req.end();
    });
  }
  return { hook, close: () => agent.destroy() };
}

export const threeQuery = (i: number) => `name=bench${i}&phone=%2B7999${i}`;

/** Columns are "timestamp without time zone" holding UTC; pg parses them as local time. */
export function utcMs(d: Date): number {
  return d.getTime() - d.getTimezoneOffset() * 60_000;
}

export async function waitDone(pool: pg.Pool, pipelineId: string, expected: number): Promise<{ lastFinished: number; failed: number }> {
  for (;;) {
    const r = await pool.query<{ done: string; failed: string; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED') AS done, count(*) FILTER (WHERE status = 'FAILED') AS failed,
              max("finishedAt") AS last
         FROM "Run" WHERE "pipelineId" = $1`,
      [pipelineId],
    );
    const done = Number(r.rows[0].done);
    const failed = Number(r.rows[0].failed);
    if (done + failed >= expected) return { lastFinished: r.rows[0].last ? utcMs(r.rows[0].last) : Date.now(), failed };
    await new Promise((res) => setTimeout(res, 100));
  }
}
