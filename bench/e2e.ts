// End-to-end benchmark (npm run bench:e2e). See bench/README.md.
//
// Starts the web server in ingest-only mode (tsx server.ts, HOOKFLOW_MODE=ingest) and one worker
// (tsx worker/index.ts) as separate processes, a fake Weeek and a fake JSON endpoint in this
// process, then:
//   1. throughput: N webhooks as fast as a closed loop of BENCH_CONNECTIONS can send them; runs/s
//      from the first request sent to the last run SUCCEEDED (Run.finishedAt), for the seed's
//      8-step Klientiks → Weeek pipeline and a 3-step compose → POST → parse pipeline;
//   2. latency: an open-loop sender at a smooth BENCH_RATE/s (each request at its own slot, not a
//      burst per second like autocannon -R), trigger → done p50/p99 per run;
// with Postgres transactions per run (pg_stat_database.xact_commit deltas: every autocommit
// statement is one) and the peak RSS of the web and worker processes.
import http from "node:http";
import fs from "node:fs";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";

const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_bench";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/5";
const RUNS_3 = Number(process.env.BENCH_RUNS ?? 20_000);
const RUNS_SEED = Number(process.env.BENCH_RUNS_SEED ?? 5_000);
const RATE = Number(process.env.BENCH_RATE ?? 2_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
const WEB_PORT = Number(process.env.BENCH_PORT ?? 3917);

process.env.DATABASE_URL = DB_URL;
process.env.REDIS_URL = REDIS_URL;

console.log(`[bench] resetting ${DB_URL}`);
execFileSync("npx", ["tsx", "scripts/db.ts", "reset"], { env: { ...process.env }, stdio: "inherit" });

const { prisma, pool, closeDb } = await import("../lib/db");
const { Queue } = await import("bullmq");
const { redisConnection } = await import("../lib/queue/connection");
const { RUNS_QUEUE } = await import("../lib/queue/run-queue");
const { startFakeWeeek } = await import("../e2e/fakes/weeek");
const { createTestUser, createSeedPipeline, createRunningPipeline, threeStepDefinition, WEEEK_TOKEN } = await import(
  "../worker/test-helpers"
);

// ── processes ───────────────────────────────────────────────────────────────────────────────

const childEnv = {
  ...process.env,
  DATABASE_URL: DB_URL,
  REDIS_URL,
  PORT: String(WEB_PORT),
  HOOKFLOW_MODE: "ingest",
  OUTBOUND_ALLOWLIST: "127.0.0.1",
  NODE_ENV: "production",
};

function start(script: string, name: string): { child: ChildProcess; ready: Promise<void> } {
  // node --import tsx: one process, so its pid is the one whose RSS we read.
  // BENCH_PROFILE=<dir>: write a V8 CPU profile of each process there (open in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, "--import", "tsx", script], {
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    const on = (d: Buffer) => {
      log += d.toString();
      if (/listening|\[worker\] ready/.test(log)) resolve();
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
    child.on("exit", (code: number | null) => reject(new Error(`${name} exited (${code}): ${log}`)));
  });
  return { child, ready };
}

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// ── outside systems ─────────────────────────────────────────────────────────────────────────

const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
// Fake Weeek keeps every request; a benchmark of thousands would measure its memory instead.
const keepLight = setInterval(() => {
  weeek.state.requests.length = 0;
}, 1_000);
const echo = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = '{"ok":true,"n":1}';
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
  });
});
await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`;

// ── data ────────────────────────────────────────────────────────────────────────────────────

const userId = await createTestUser();
const seed = await createSeedPipeline(userId, weeek.url, weeek.state.funnels[0].statuses[0].id);
const three = await createRunningPipeline(userId, threeStepDefinition(echoUrl));

const q = new Queue(RUNS_QUEUE, { connection: redisConnection(REDIS_URL) });
await q.obliterate({ force: true });

const web = start("server.ts", "web");
const worker = start("worker/index.ts", "worker");
await Promise.all([web.ready, worker.ready]);
let peak = { web: 0, worker: 0 };
const sampler = setInterval(() => {
  peak = { web: Math.max(peak.web, rssMb(web.child.pid)), worker: Math.max(peak.worker, rssMb(worker.child.pid)) };
}, 250);

// ── load ────────────────────────────────────────────────────────────────────────────────────

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function hook(token: string, query: string): Promise<{ status: number; runId?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: WEB_PORT, path: `/hooks/${token}?${query}`, method: "GET", agent }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, runId: JSON.parse(body).runId });
        } catch {
          resolve({ status: res.statusCode ?? 0 });
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const seedQuery = (i: number) =>
  new URLSearchParams({
    client_id: String(i),
    client_phone: `+7999${String(i).padStart(7, "0")}`,
    client_name: "Иван Петров",
    client_first_name: "Иван",
    client_second_name: "Петров",
    client_email: `ivan${i}@example.ru`,
    appointment_date: "2025-03-14",
    "appointment.time": "15:30",
    services: "Стрижка",
    appointment_total_cost: "1500",
  }).toString();
const threeQuery = (i: number) => `name=bench${i}&phone=%2B7999${i}`;

async function xactCommits(): Promise<number> {
  const r = await pool().query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()");
  return Number(r.rows[0].n);
}

async function waitDone(pipelineId: string, expected: number): Promise<{ lastFinished: number; failed: number }> {
  for (;;) {
    const r = await pool().query<{ done: string; failed: string; last: Date | null }>(
      `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED') AS done, count(*) FILTER (WHERE status = 'FAILED') AS failed,
              max("finishedAt") AS last
         FROM "Run" WHERE "pipelineId" = $1`,
      [pipelineId],
    );
    const done = Number(r.rows[0].done);
    const failed = Number(r.rows[0].failed);
    if (done + failed >= expected) return { lastFinished: utcMs(r.rows[0].last!), failed };
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Columns are "timestamp without time zone" holding UTC; pg parses them as local time. */
function utcMs(d: Date): number {
  return d.getTime() - d.getTimezoneOffset() * 60_000;
}

async function throughput(label: string, p: { id: string; webhookToken: string }, n: number, query: (i: number) => string) {
  const x0 = await xactCommits();
  const t0 = Date.now();
  let next = 0;
  let non200 = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < n) {
        const i = next++;
        const r = await hook(p.webhookToken, query(i));
        if (r.status !== 200) non200++;
      }
    }),
  );
  const sent = Date.now();
  const { lastFinished, failed } = await waitDone(p.id, n);
  const x1 = await xactCommits();
  const secs = (lastFinished - t0) / 1000;
  console.log(
    `[bench] ${label}: ${n} runs, ingest ${(n / ((sent - t0) / 1000)).toFixed(0)} req/s, ` +
      `end to end ${(n / secs).toFixed(0)} runs/s (${secs.toFixed(1)} s), failed ${failed}, non-200 ${non200}, ` +
      `Postgres transactions/run ${((x1 - x0) / n).toFixed(2)}`,
  );
  return { runsPerSec: n / secs, failed, non200, xactPerRun: (x1 - x0) / n };
}

async function latency(p: { id: string; webhookToken: string }, rate: number, seconds: number) {
  const total = rate * seconds;
  const sentAt = new Map<string, number>();
  const t0 = performance.now();
  const wall0 = Date.now();
  let sent = 0;
  const inflight: Promise<void>[] = [];
  // Each request has its own slot t0 + i/rate; the loop wakes every millisecond and sends what is due.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) {
        const i = sent++;
        const at = wall0 + (i / rate) * 1000;
        inflight.push(
          hook(p.webhookToken, threeQuery(1_000_000 + i)).then((r) => {
            if (r.runId) sentAt.set(r.runId, at);
          }),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  const lateBy = performance.now() - t0 - seconds * 1000;
  await waitDone(p.id, await prisma.run.count({ where: { pipelineId: p.id } }));
  const rows = await pool().query<{ id: string; finishedAt: Date }>(
    `SELECT id, "finishedAt" FROM "Run" WHERE id = ANY($1::uuid[]) AND status = 'SUCCEEDED'`,
    [[...sentAt.keys()]],
  );
  const lat = rows.rows.map((r) => utcMs(r.finishedAt) - sentAt.get(r.id)!).sort((a, b) => a - b);
  const pct = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  console.log(
    `[bench] 3-step at a smooth ${rate}/s for ${seconds} s: ${lat.length}/${total} SUCCEEDED, trigger → done ` +
      `p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, p99 ${pct(0.99)} ms, max ${lat[lat.length - 1]} ms` +
      (lateBy > 200 ? ` (sender fell ${Math.round(lateBy)} ms behind schedule)` : ""),
  );
  return { p50: pct(0.5), p99: pct(0.99) };
}

try {
  // Warm-up: JIT, pools, the definition caches.
  await throughput("warm-up (3-step)", three, 1_000, threeQuery);
  await prisma.run.deleteMany({ where: { pipelineId: three.id } });

  const r3 = await throughput("3-step compose → POST → parse", three, RUNS_3, threeQuery);
  const r8 = await throughput("seed 8-step Klientiks → Weeek", seed, RUNS_SEED, seedQuery);
  await prisma.run.deleteMany({ where: { pipelineId: three.id } });
  const l = await latency(three, RATE, RATE_SECONDS);
  const steps = await prisma.runStep.count();
  console.log(`[bench] RunStep rows written: ${steps}; peak RSS web ${peak.web.toFixed(0)} MB, worker ${peak.worker.toFixed(0)} MB, total ${(peak.web + peak.worker).toFixed(0)} MB`);
  console.log(
    `[bench] summary: 3-step ${r3.runsPerSec.toFixed(0)} runs/s (target ≥3000), seed ${r8.runsPerSec.toFixed(0)} runs/s, ` +
      `p99 ${l.p99} ms at ${RATE}/s (target ≤100), RSS ${(peak.web + peak.worker).toFixed(0)} MB (target ≤400), ` +
      `tx/run ${r3.xactPerRun.toFixed(2)} (3-step) ${r8.xactPerRun.toFixed(2)} (seed)`,
  );
} finally {
  clearInterval(sampler);
  clearInterval(keepLight);
  web.child.kill("SIGTERM");
  worker.child.kill("SIGTERM");
  await q.close();
  await weeek.close();
  echo.close();
  agent.destroy();
  await closeDb();
  setTimeout(() => process.exit(0), 2_000).unref();
}
