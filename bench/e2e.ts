// End-to-end benchmark (npm run bench:e2e). See bench/README.md.
//
// One run measures, one after the other on the same machine, database server and Redis:
//   1. the CEILING (bench/ceiling/*.ts, bundled to plain JS): a minimal implementation of the same
//      durable work — node:http ingest with the same parser and micro-batched INSERT + addBulk, one
//      BullMQ worker at concurrency 200 doing compose → POST → parse inline and writing the same
//      history rows in batches across jobs;
//   2. HOOKFLOW: the web server in ingest-only mode (HOOKFLOW_MODE=ingest) and one worker, started
//      the way `npm start` starts them (compiled JavaScript from dist/ when the checkout has a
//      build:node script, else node --import tsx);
//   3. optionally HOOKFLOW "before": another checkout (BENCH_BEFORE_DIR, e.g. a worktree of main)
//      against its own database, for a before/after table from the same run.
// For each: throughput (closed loop of BENCH_CONNECTIONS keep-alive connections, first request →
// last run finished) for the 3-step compose → POST → parse pipeline (and Hookflow's 8-step seed
// pipeline), then latency at a smooth 50% and 70% of the SAME RUN's ceiling throughput (open loop:
// every request has its own time slot), with the distribution by stage:
//   slot → sent (this process wrote the request) → received (Run.receivedAt) → queued (the 200
//   reached the client: row committed and job added) → started (Run.startedAt) → loaded (the
//   first step began) → posted (the POST's answer came) → finished (Run.finishedAt).
// Prints Hookflow / ceiling ratios, Postgres transactions per run and peak / idle RSS.
import path from "node:path";
import os from "node:os";
import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import {
  DB_URL,
  REDIS_URL,
  ROOT,
  load,
  log,
  start,
  rssMb,
  cpuMs,
  servicesCpuMs,
  servicesCpuSince,
  syscalls,
  freePort,
  dbUrl,
  hookflowCommand,
  prepare as prepareTarget,
  emptyQueue as obliterate,
  hookClient,
  threeQuery,
  utcMs,
  waitDone as waitDonePool,
  type Proc,
  type PipelineRef,
  type Target,
} from "./common";

const RUNS_3 = Number(process.env.BENCH_RUNS ?? 20_000);
const RUNS_SEED = Number(process.env.BENCH_RUNS_SEED ?? 5_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const RATE_SHARES = (process.env.BENCH_RATE_SHARES ?? "0.5,0.7").split(",").map(Number);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
const BEFORE_DIR = process.env.BENCH_BEFORE_DIR ? path.resolve(process.env.BENCH_BEFORE_DIR) : null;
const HISTORY = Number(process.env.BENCH_HISTORY ?? 50_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 80);

log(`load average ${load()} on ${os.cpus().length} cores`);

// ── outside systems ─────────────────────────────────────────────────────────────────────────

// The fake Weeek and the echo server the 3-step pipeline POSTs to run in a process of their own
// (bench/outside.ts), as other machines would: this process's loop only sends and reads answers.
const outside = start("outside systems", ["--import", "tsx", path.join(ROOT, "bench", "outside.ts")], ROOT, {}, /\[outside\] ready/);
await outside.ready;
const outsideUrls = JSON.parse(/\[outside\] ready (.*)/.exec(outside.output())![1]) as { echo: string; weeek: string; weeekStatus: string };
const echoUrl = outsideUrls.echo;

// ── a target: a database with the bench's pipelines ─────────────────────────────────────────

const prepare = (label: string, dir: string, db: string) =>
  prepareTarget(label, dir, db, { echo: echoUrl, weeek: outsideUrls.weeek, weeekStatus: outsideUrls.weeekStatus });

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const emptyQueue = (name: string) => obliterate(redis, name);

// ── load ────────────────────────────────────────────────────────────────────────────────────

const { hook, close: closeClient } = hookClient(CONNECTIONS);

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

async function xactCommits(t: Target): Promise<number> {
  const r = await t.pool.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()");
  return Number(r.rows[0].n);
}

const waitDone = (t: Target, pipelineId: string, expected: number) => waitDonePool(t.pool, pipelineId, expected);

/**
 * An installation has history: BENCH_HISTORY (50,000) finished runs with their 3 steps, of a
 * pipeline the phases do not use, written once per database and analyzed. Without them every phase
 * starts on empty, freshly analyzed tables, and plans made for an empty table (sequential scans,
 * also in the foreign-key checks' cached plans) are what gets measured.
 */
async function addHistory(t: Target, pipelineId: string): Promise<void> {
  await t.pool.query(
    `WITH runs AS (
       INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, payload, "searchTerms", "receivedAt", "startedAt", "finishedAt", attempts)
       SELECT gen_random_uuid(), p.id, p."userId", 1, 'SUCCEEDED', 'GET', jsonb_build_object('name', 'archive' || g, 'phone', '+7999' || g),
              ARRAY['archive' || g, '+7999' || g], ts, ts, ts + interval '50 milliseconds', 1
       FROM "Pipeline" p, generate_series(1, $2::int) g, LATERAL (SELECT (now() AT TIME ZONE 'UTC') - g * interval '10 seconds' AS ts) t
       WHERE p.id = $1
       RETURNING id, "receivedAt")
     INSERT INTO "RunStep" (id, "runId", "stepId", position, "actionType", name, status, input, output, "startedAt", "durationMs")
     SELECT gen_random_uuid(), r.id, s.step, s.pos, s.type, s.step, 'SUCCEEDED', '{"archived":true}', '{"n":1}', r."receivedAt", 5
     FROM runs r, (VALUES ('compose', 0, 'json-composer'), ('post', 1, 'http-request'), ('parse', 2, 'json-parser')) AS s(step, pos, type)`,
    [pipelineId, HISTORY],
  );
  for (const table of ["Run", "RunStep", "RunSearch"]) await t.pool.query(`VACUUM ANALYZE "${table}"`);
}

async function clearRuns(t: Target, pipelineId: string): Promise<void> {
  await t.pool.query(`DELETE FROM "Run" WHERE "pipelineId" = $1`, [pipelineId]);
  await t.pool.query(`VACUUM ANALYZE "Run"`);
  await t.pool.query(`VACUUM ANALYZE "RunStep"`);
}

type Throughput = { runsPerSec: number; ingestPerSec: number; failed: number; non200: number; xactPerRun: number };

async function throughput(t: Target, label: string, port: number, p: PipelineRef, n: number, query: (i: number) => string): Promise<Throughput> {
  const x0 = await xactCommits(t);
  const t0 = Date.now();
  let next = 0;
  let non200 = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < n) {
        const i = next++;
        const r = await hook(port, p.webhookToken, query(i));
        if (r.status !== 200) non200++;
      }
    }),
  );
  const sent = Date.now();
  const { lastFinished, failed } = await waitDone(t, p.id, n - non200);
  const x1 = await xactCommits(t);
  const secs = (lastFinished - t0) / 1000;
  const r = { runsPerSec: n / secs, ingestPerSec: n / ((sent - t0) / 1000), failed, non200, xactPerRun: (x1 - x0) / n };
  log(
    `${label}: ${n} runs, ingest ${r.ingestPerSec.toFixed(0)} req/s, end to end ${r.runsPerSec.toFixed(0)} runs/s ` +
      `(${secs.toFixed(1)} s), failed ${failed}, non-200 ${non200}, Postgres transactions/run ${r.xactPerRun.toFixed(2)}  [load ${load()}]`,
  );
  return r;
}

type Stages = {
  p50: number;
  p99: number;
  /** p99 of the requests after the phase's first STEADY_AFTER_MS (the start of a burst left out). */
  p99Steady: number;
  max: number;
  stages: Record<string, { p50: number; p99: number }>;
  completed: number;
  total: number;
  late: number;
};

/**
 * A phase starts on a system that sat idle while the others were measured; its first seconds
 * (cold connections and caches, a heap given back in the quiet) decide an 8-second p99. The
 * summary also shows the p99 without them: what a rate costs once it is going.
 */
const STEADY_AFTER_MS = 2_000;
const PER_SECOND = process.env.BENCH_PER_SECOND === "1";

const STAGES = ["sent", "received", "queued", "started", "loaded", "posted", "finished"] as const;

async function latency(t: Target, label: string, port: number, p: PipelineRef, rate: number, seconds: number, offset: number): Promise<Stages> {
  const total = Math.round(rate * seconds);
  const slots = new Map<string, { slot: number; sent: number; queued: number }>();
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
        const slot = wall0 + (i / rate) * 1000;
        // The "sent" stage: how late this process itself writes the request after its slot.
        const sentAt = Date.now();
        inflight.push(
          hook(port, p.webhookToken, threeQuery(offset + i)).then((r) => {
            if (r.runId) slots.set(r.runId, { slot, sent: sentAt, queued: r.at });
          }),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  const late = performance.now() - t0 - seconds * 1000;
  const count = await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Run" WHERE "pipelineId" = $1`, [p.id]);
  await waitDone(t, p.id, Number(count.rows[0].n));
  // loaded = the first step began (the run's load answered); posted = the POST step's answer came.
  const rows = await t.pool.query<{ id: string; receivedAt: Date; startedAt: Date; finishedAt: Date; loaded: Date; posted: Date }>(
    `SELECT r.id, r."receivedAt", r."startedAt", r."finishedAt", c."startedAt" AS loaded, p."startedAt" + p."durationMs" * interval '1 millisecond' AS posted
       FROM "Run" r JOIN "RunStep" c ON c."runId" = r.id AND c.position = 0 JOIN "RunStep" p ON p."runId" = r.id AND p.position = 1
      WHERE r.id = ANY($1::uuid[]) AND r.status = 'SUCCEEDED'`,
    [[...slots.keys()]],
  );
  const emptySeries = (): Record<(typeof STAGES)[number], number[]> => ({
    sent: [],
    received: [],
    queued: [],
    started: [],
    loaded: [],
    posted: [],
    finished: [],
  });
  const series = emptySeries();
  /** The same, for the requests after the phase's first STEADY_AFTER_MS. */
  const steady = emptySeries();
  /** finished − slot of each run, by the second of the phase its slot fell in (BENCH_PER_SECOND=1). */
  const perSecond: number[][] = [];
  /** Each stage of the runs whose slot fell in the phase's first second (BENCH_PER_SECOND=1). */
  const firstSecond: Partial<Record<(typeof STAGES)[number], number[]>> = {};
  for (const r of rows.rows) {
    const s = slots.get(r.id)!;
    const at = {
      sent: s.sent - s.slot,
      received: utcMs(r.receivedAt) - s.slot,
      queued: s.queued - s.slot,
      started: utcMs(r.startedAt) - s.slot,
      loaded: utcMs(r.loaded) - s.slot,
      posted: utcMs(r.posted) - s.slot,
      finished: utcMs(r.finishedAt) - s.slot,
    };
    const into = s.slot - wall0 >= STEADY_AFTER_MS ? [series, steady] : [series];
    for (const k of STAGES) for (const x of into) x[k].push(at[k]);
    (perSecond[Math.floor((s.slot - wall0) / 1000)] ??= []).push(at.finished);
    if (s.slot - wall0 < 1_000) for (const k of STAGES) (firstSecond[k] ??= []).push(at[k]);
  }
  /** The q-quantile of xs, sorted in place. */
  const pct = (xs: number[], q: number) => {
    xs.sort((a, b) => a - b);
    return Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN);
  };
  const stages: Stages["stages"] = {};
  for (const k of STAGES) stages[k] = { p50: pct(series[k], 0.5), p99: pct(series[k], 0.99) };
  const fin = series.finished;
  const steadyP99 = STAGES.map((k) => `${k} ${pct(steady[k], 0.99)}`).join(", ");
  if (PER_SECOND)
    log(
      `${label} from ${new Date(wall0).toISOString()} p50/p99 by second: ${perSecond.map((xs) => `${pct(xs, 0.5)}/${pct(xs, 0.99)}`).join(" ")}; ` +
        `the first second by stage: ${STAGES.map((k) => `${k} ${pct(firstSecond[k] ?? [], 0.5)}/${pct(firstSecond[k] ?? [], 0.99)}`).join(", ")}`,
    );
  const result = {
    p50: pct(fin, 0.5),
    p99: pct(fin, 0.99),
    p99Steady: pct(steady.finished, 0.99),
    max: Math.round(fin[fin.length - 1] ?? NaN),
    stages,
    completed: fin.length,
    total,
    late,
  };
  log(
    `${label} at a smooth ${rate}/s for ${seconds} s: ${fin.length}/${total} SUCCEEDED, trigger → done p50 ${result.p50} ms, ` +
      `p99 ${result.p99} ms (after the first ${STEADY_AFTER_MS / 1000} s: ${result.p99Steady} ms), max ${result.max} ms; by stage (ms after the slot, p50/p99): ` +
      STAGES.map((k) => `${k} ${stages[k].p50}/${stages[k].p99}`).join(", ") +
      `; p99 by stage after the first ${STEADY_AFTER_MS / 1000} s: ${steadyP99}` +
      (late > 200 ? ` (sender fell ${Math.round(late)} ms behind)` : "") +
      `  [load ${load()}]`,
  );
  await clearRuns(t, p.id);
  return result;
}

// ── systems, measured in interleaved rounds ─────────────────────────────────────────────────
//
// Every system runs against its own database (same server, same migrations) with its processes
// up for the whole bench, and the phases alternate between systems round by round (BENCH_ROUNDS,
// the order rotating): on a machine shared with other work the load drifts by the minute, and
// comparing A measured now with B measured five minutes later measures the drift. Ratios are
// computed per round and their median is reported.

type Sys = {
  label: string;
  t: Target;
  pipeline: PipelineRef;
  withSeed: boolean;
  port: number;
  procs: Proc[];
  peak: { web: number; worker: number };
  idle: { web: number; worker: number };
  three: Throughput[];
  seed: Throughput[];
  lat: Stages[][];
  /** CPU ms per 3-step run of [web, worker, Postgres + Redis], per round. */
  cpu: number[][];
};

async function startSys(label: string, t: Target, procs: (port: number) => Proc[], pipeline: PipelineRef, withSeed: boolean): Promise<Sys> {
  const port = await freePort();
  const ps = procs(port);
  await Promise.all(ps.map((p) => p.ready));
  return { label, t, pipeline, withSeed, port, procs: ps, peak: { web: 0, worker: 0 }, idle: { web: 0, worker: 0 }, three: [], seed: [], lat: [], cpu: [] };
}

/**
 * Runs a throughput phase and logs the CPU each process spent on it: per run, and as a share of
 * one core over the phase (web, worker, Postgres + Redis, and the bench: this process, the load
 * generator, with bench/outside.ts, the fake outside systems). The shares say whether a phase is
 * bound by the machine's two cores (they add up to ~200%) or waits on something else.
 */
async function withCpu<T>(x: Sys, label: string, kind: string, runs: number, phase: () => Promise<T>): Promise<{ result: T; perRun: number[] }> {
  const cpu0 = x.procs.map((p) => cpuMs(p.child.pid));
  const calls0 = x.procs.map((p) => syscalls(p.child.pid));
  const services0 = servicesCpuMs();
  const self0 = process.cpuUsage();
  const outside0 = cpuMs(outside.child.pid);
  const t0 = performance.now();
  const result = await phase();
  const wallMs = performance.now() - t0;
  const self1 = process.cpuUsage(self0);
  const spent = [
    ...x.procs.map((p, i) => cpuMs(p.child.pid) - cpu0[i]),
    servicesCpuSince(services0),
    (self1.user + self1.system) / 1000 + cpuMs(outside.child.pid) - outside0,
  ];
  const [web, worker, services, bench] = spent.map((ms) => ms / runs);
  const calls = x.procs.map((p, i) => {
    const c = syscalls(p.child.pid);
    return `${((c.reads - calls0[i].reads) / runs).toFixed(1)} / ${((c.writes - calls0[i].writes) / runs).toFixed(1)}`;
  });
  const [webShare, workerShare, servicesShare, benchShare] = spent.map((ms) => Math.round((100 * ms) / wallMs));
  log(
    `${label} CPU per ${kind} run: web ${web.toFixed(3)} ms, worker ${worker.toFixed(3)} ms, Postgres + Redis ${services.toFixed(3)} ms, ` +
      `bench ${bench.toFixed(3)} ms; share of a core over ${(wallMs / 1000).toFixed(1)} s: web ${webShare}%, worker ${workerShare}%, ` +
      `Postgres + Redis ${servicesShare}%, bench ${benchShare}% (sum ${webShare + workerShare + servicesShare + benchShare}% of ${os.cpus().length * 100}%); ` +
      `system calls per run, reads / writes: web ${calls[0]}, worker ${calls[1]}`,
  );
  return { result, perRun: [web, worker, services] };
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const childEnv = (db: string) => ({
  DATABASE_URL: db,
  REDIS_URL,
  OUTBOUND_ALLOWLIST: "127.0.0.1",
  NODE_ENV: "production",
});

/** BENCH_BEFORE_ENV="WORKER_CONCURRENCY=200 NODE_OPTIONS=…": settings for the "before" system only. */
const BEFORE_ENV = Object.fromEntries(
  (process.env.BENCH_BEFORE_ENV ?? "")
    .split(/\s+(?=[A-Z_]+=)/)
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);

/** BENCH_BEFORE_NODE_ARGS="--single-threaded-gc": node flags (not allowed in NODE_OPTIONS) for the "before" system only. */
const BEFORE_NODE_ARGS = (process.env.BENCH_BEFORE_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);

function hookflowProcs(t: Target, redisUrl = REDIS_URL, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): (port: number) => Proc[] {
  const built = hookflowCommand(t.dir);
  // BENCH_BEFORE_NODE_ARGS go last before the script, so that they win over the checkout's own flags.
  const cmd = (s: "server" | "worker") => {
    const c = built(s);
    return [...c.slice(0, -1), ...nodeArgs, c[c.length - 1]];
  };
  const env = { ...childEnv(t.db), REDIS_URL: redisUrl, ...extraEnv };
  return (port) => [
    start(`${t.label} web`, cmd("server"), t.dir, { ...env, PORT: String(port), HOOKFLOW_MODE: "ingest" }, /listening/),
    start(`${t.label} worker`, cmd("worker"), t.dir, env, /\[worker\] ready/),
  ];
}

/**
 * BENCH_CEILING_WORKER_NODE_ARGS="--max-semi-space-size=32": node flags for the ceiling's worker
 * (it runs with Node's defaults; this measures it with the flags Hookflow's worker gets).
 */
const CEILING_WORKER_NODE_ARGS = (process.env.BENCH_CEILING_WORKER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);

function ceilingProcs(t: Target): (port: number) => Proc[] {
  const out = path.join(ROOT, "bench", ".build");
  // esbuild ships with tsx; bundling only our files keeps packages resolved from node_modules.
  execFileSync(
    path.join(ROOT, "node_modules", ".bin", "esbuild"),
    [
      "bench/ceiling/ingest.ts",
      "bench/ceiling/worker.ts",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--packages=external",
      `--outdir=${out}`,
      "--out-extension:.js=.mjs",
      "--log-level=warning",
    ],
    { cwd: ROOT, stdio: "inherit" },
  );
  return (port) => [
    start("ceiling ingest", [path.join(out, "ingest.mjs")], ROOT, { ...childEnv(t.db), CEILING_PORT: String(port) }, /listening/),
    start("ceiling worker", [...CEILING_WORKER_NODE_ARGS, path.join(out, "worker.mjs")], ROOT, { ...childEnv(t.db), CEILING_TARGET: echoUrl }, /ready/),
  ];
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────

const targets: Target[] = [];
const systems: Sys[] = [];
const ratio = (a: number, b: number) => (b ? (a / b).toFixed(2) : "—");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
let sampler: NodeJS.Timeout | undefined;
try {
  const after = prepare("hookflow", ROOT, DB_URL);
  const ceilingDb = prepare("ceiling", ROOT, dbUrl("_ceiling"));
  targets.push(after, ceilingDb);
  const before = BEFORE_DIR ? prepare("before", BEFORE_DIR, dbUrl("_before")) : null;
  if (before) targets.push(before);
  // History in a pipeline no phase of that database uses (the ceiling's database runs "ceiling").
  await Promise.all([addHistory(after, after.pipelines.ceiling.id), addHistory(ceilingDb, ceilingDb.pipelines.three.id)]);
  if (before) await addHistory(before, before.pipelines.ceiling.id);
  await emptyQueue("runs");
  await emptyQueue("ceiling");
  // The ceiling uses its own queue; "before" and Hookflow use "runs" on different Redis databases.
  const redisFor = (n: number) => {
    const u = new URL(REDIS_URL);
    u.pathname = `/${n}`;
    return u.toString();
  };
  systems.push(await startSys("ceiling", ceilingDb, ceilingProcs(ceilingDb), ceilingDb.pipelines.ceiling, false));
  systems.push(await startSys("hookflow", after, hookflowProcs(after), after.pipelines.three, true));
  if (before) {
    const beforeRedis = redisFor(Number(new URL(REDIS_URL).pathname.slice(1) || 0) + 1);
    const r = new Redis(beforeRedis, { maxRetriesPerRequest: null });
    await obliterate(r, "runs");
    r.disconnect();
    systems.push(await startSys("before", before, hookflowProcs(before, beforeRedis, BEFORE_ENV, BEFORE_NODE_ARGS), before.pipelines.three, true));
  }
  sampler = setInterval(() => {
    for (const x of systems) {
      x.peak.web = Math.max(x.peak.web, rssMb(x.procs[0].child.pid));
      x.peak.worker = Math.max(x.peak.worker, rssMb(x.procs[1].child.pid));
    }
  }, 250);

  // Warm-up: JIT, pools, caches; then the idle RSS.
  for (const x of systems) {
    await throughput(x.t, `${x.label} warm-up`, x.port, x.pipeline, 1_000, threeQuery);
    await clearRuns(x.t, x.pipeline.id);
  }
  // Idle = what the processes hold once traffic has stopped for IDLE_SECONDS: V8 returns the heap
  // it grew for the burst only when its memory reducer sees the process idle (seconds, not at once).
  const idleSeries = new Map<Sys, string[]>(systems.map((x) => [x, []]));
  for (let waited = 0; waited < IDLE_SECONDS;) {
    const step = Math.min(waited < 10 ? 2 : 10, IDLE_SECONDS - waited);
    await new Promise((r) => setTimeout(r, step * 1_000));
    waited += step;
    for (const x of systems) {
      x.idle = { web: rssMb(x.procs[0].child.pid), worker: rssMb(x.procs[1].child.pid) };
      idleSeries.get(x)!.push(`${waited} s: ${x.idle.web.toFixed(0)} + ${x.idle.worker.toFixed(0)}`);
    }
  }
  for (const x of systems) log(`${x.label} idle RSS web + worker (MB) after the warm-up: ${idleSeries.get(x)!.join(", ")}`);

  const rotate = <T>(xs: T[], r: number) => xs.map((_, i) => xs[(i + r) % xs.length]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const x of rotate(systems, r)) {
      const three = await withCpu(x, `round ${r + 1} ${x.label}`, "3-step", RUNS_3, () =>
        throughput(x.t, `round ${r + 1} ${x.label} 3-step compose → POST → parse`, x.port, x.pipeline, RUNS_3, threeQuery),
      );
      x.three.push(three.result);
      // CPU per run is far steadier than runs/s on a shared machine: it says what a change saved.
      x.cpu.push(three.perRun);
      await clearRuns(x.t, x.pipeline.id);
      if (x.withSeed) {
        const seed = await withCpu(x, `round ${r + 1} ${x.label}`, "8-step", RUNS_SEED, () =>
          throughput(x.t, `round ${r + 1} ${x.label} seed 8-step Klientiks → Weeek`, x.port, x.t.pipelines.seed, RUNS_SEED, seedQuery),
        );
        x.seed.push(seed.result);
        await clearRuns(x.t, x.t.pipelines.seed.id);
      }
    }
  }
  const [c, h, b] = systems;
  const rates = RATE_SHARES.map((share) => Math.round(med(c.three.map((x) => x.runsPerSec)) * share));
  let offset = 1_000_000;
  rates.forEach((rate, i) => {
    for (const x of systems) x.lat[i] = [];
    void rate;
  });
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < rates.length; i++) {
      for (const x of rotate(systems, r)) {
        x.lat[i].push(await latency(x.t, `round ${r + 1} ${x.label} 3-step`, x.port, x.pipeline, rates[i], RATE_SECONDS, offset));
        offset += 100_000;
      }
    }
  }

  // ── report ──
  const tp = (x: Sys) => med(x.three.map((y) => y.runsPerSec));
  const perRound = (x: Sys, y: Sys) => med(x.three.map((v, i) => v.runsPerSec / y.three[i].runsPerSec));
  const seedShare = (x: Sys) => med(x.seed.map((v, i) => v.runsPerSec / x.three[i].runsPerSec));
  const latOf = (x: Sys, i: number, k: "p50" | "p99" | "p99Steady") => med(x.lat[i].map((l) => l[k]));
  const latCell = (x: Sys, i: number) => `p50 ${latOf(x, i, "p50")} / p99 ${latOf(x, i, "p99")} ms`;
  const rss = (x: Sys) => `${x.peak.web.toFixed(0)} + ${x.peak.worker.toFixed(0)} = ${(x.peak.web + x.peak.worker).toFixed(0)} MB`;
  const cpuOf = (x: Sys, i: number) => med(x.cpu.map((c) => c[i]));
  const cpuCell = (x: Sys) => `${cpuOf(x, 0).toFixed(3)} + ${cpuOf(x, 1).toFixed(3)}`;
  const servicesCell = (x: Sys) => cpuOf(x, 2).toFixed(3);
  const idle = (x: Sys) => `${(x.idle.web + x.idle.worker).toFixed(0)} MB`;
  const lines = [
    `| measure (median of ${ROUNDS} interleaved rounds) | ceiling | hookflow | hookflow / ceiling | target |${b ? " before | before / ceiling |" : ""}`,
    `|---|---|---|---|---|${b ? "---|---|" : ""}`,
    `| 3-step runs/s (all rounds: ${c.three.map((x) => x.runsPerSec.toFixed(0)).join(", ")} / ${h.three.map((x) => x.runsPerSec.toFixed(0)).join(", ")}) | ${tp(c).toFixed(0)} | ${tp(h).toFixed(0)} | ${perRound(h, c).toFixed(2)} | ≥ 0.80 |${b ? ` ${tp(b).toFixed(0)} | ${perRound(b, c).toFixed(2)} |` : ""}`,
    `| CPU per 3-step run, web + worker (ms) | ${cpuCell(c)} | ${cpuCell(h)} | ${(cpuOf(h, 1) / cpuOf(c, 1)).toFixed(2)} (worker) | — |${b ? ` ${cpuCell(b)} | ${(cpuOf(b, 1) / cpuOf(c, 1)).toFixed(2)} (worker) |` : ""}`,
    `| CPU per 3-step run, Postgres + Redis (ms) | ${servicesCell(c)} | ${servicesCell(h)} | ${(cpuOf(h, 2) / cpuOf(c, 2)).toFixed(2)} | — |${b ? ` ${servicesCell(b)} | ${(cpuOf(b, 2) / cpuOf(c, 2)).toFixed(2)} |` : ""}`,
    `| 8-step runs/s | — | ${med(h.seed.map((x) => x.runsPerSec)).toFixed(0)} | ${seedShare(h).toFixed(2)} of 3-step | ≥ 0.35 of 3-step |${b ? ` ${med(b.seed.map((x) => x.runsPerSec)).toFixed(0)} | ${seedShare(b).toFixed(2)} of 3-step |` : ""}`,
    ...rates.map(
      (rate, i) =>
        `| trigger → done at ${rate}/s (${Math.round(RATE_SHARES[i] * 100)}% of ceiling) | ${latCell(c, i)} | ${latCell(h, i)} | p50 ${ratio(latOf(h, i, "p50"), latOf(c, i, "p50"))}, p99 ${ratio(latOf(h, i, "p99"), latOf(c, i, "p99"))} | p99 ≤ ${RATE_SHARES[i] <= 0.5 ? 100 : 250} ms |${b ? ` ${latCell(b, i)} | — |` : ""}`,
    ),
    ...rates.map(
      (rate, i) =>
        `| p99 at ${rate}/s after the first ${STEADY_AFTER_MS / 1000} s of the phase | ${latOf(c, i, "p99Steady")} ms | ${latOf(h, i, "p99Steady")} ms | ${ratio(latOf(h, i, "p99Steady"), latOf(c, i, "p99Steady"))} | — |${b ? ` ${latOf(b, i, "p99Steady")} ms | — |` : ""}`,
    ),
    `| peak RSS web + worker | ${rss(c)} | ${rss(h)} | — | ≤ 400 MB |${b ? ` ${rss(b)} | — |` : ""}`,
    `| RSS idle (${IDLE_SECONDS} s after the warm-up) | ${idle(c)} | ${idle(h)} | — | — |${b ? ` ${idle(b)} | — |` : ""}`,
    `| Postgres transactions per 3-step run | ${med(c.three.map((x) => x.xactPerRun)).toFixed(2)} | ${med(h.three.map((x) => x.xactPerRun)).toFixed(2)} | — | — |${b ? ` ${med(b.three.map((x) => x.xactPerRun)).toFixed(2)} | — |` : ""}`,
  ];
  log(`summary (load average now ${load()}):\n${lines.join("\n")}`);
  const stageLines = [
    `| stage (ms after the request's slot, median of rounds, p50 / p99) | ${STAGES.join(" | ")} |`,
    `|---|${STAGES.map(() => "---").join("|")}|`,
  ];
  for (const x of systems)
    rates.forEach((rate, i) =>
      stageLines.push(
        `| ${x.label} at ${rate}/s | ${STAGES.map((k) => `${med(x.lat[i].map((l) => l.stages[k].p50))} / ${med(x.lat[i].map((l) => l.stages[k].p99))}`).join(" | ")} |`,
      ),
    );
  log(`latency by stage:\n${stageLines.join("\n")}`);
} finally {
  if (sampler) clearInterval(sampler);
  await Promise.all(systems.flatMap((x) => x.procs.map((p) => p.stop())));
  await outside.stop();
  closeClient();
  redis.disconnect();
  await Promise.all(targets.map((t) => t.pool.end()));
  setTimeout(() => process.exit(0), 1_000).unref();
}
