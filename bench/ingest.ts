// Webhook ingest benchmark (npm run bench:ingest). See bench/README.md.
//
// Starts the /hooks handler on a plain node:http server in this process, drives it with autocannon
// in a child process (so the load generator does not share this event loop), then checks that every
// 200 has its committed Run row and its BullMQ job, and prints Postgres round trips per request.
import http from "node:http";
import path from "node:path";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { env } from "../lib/env";
import { closeDb, pool, prisma } from "../lib/db";
import { redisConnection } from "../lib/queue/connection";
import { runJobOptions } from "../lib/queue/run-queue";
import { newWebhookToken } from "../lib/pipelines/rotate-webhook-token";
import { createIngester } from "../lib/webhooks/ingest";
import { createHookHandler } from "../lib/webhooks/handle-hook";
import { claimDedupKey, dedupKeyOf } from "../lib/webhooks/dedup";
import type { DedupConfig } from "../lib/definition/schema";
import { FOLD_SQL, foldRowFields } from "./ingest-dedup-fold";
import { migrate } from "../scripts/db";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const KEEP = process.env.BENCH_KEEP === "1";

// The seed's «Добавление клиента» parameter string (klientiks.ru), with values filled in.
const KLIENTIKS_ADD_CLIENT =
  "client_id=1842&client_phone=%2B79991234567&client_name=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
  "&client_first_name=%D0%98%D0%B2%D0%B0%D0%BD&client_patron_name=%D0%A1%D0%B5%D1%80%D0%B3%D0%B5%D0%B5%D0%B2%D0%B8%D1%87" +
  "&client_second_name=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&client_deleted=0&client_email=ivan%40example.ru";

type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  duration: number;
};

function autocannon(url: string, seconds: number): Promise<AutocannonResult> {
  const bin = path.resolve(import.meta.dirname, "../node_modules/autocannon/autocannon.js");
  // With a per-request id the URL holds "[<id>]", which the CLI's argument parser cannot take:
  // the child then drives autocannon through its API (same process split, same result object).
  const args = DEDUP
    ? [
        "-e",
        `require(${JSON.stringify(path.dirname(bin))})(${JSON.stringify({ url, connections: CONNECTIONS, duration: seconds, idReplacement: true })},` +
          ` (err, res) => { if (err) { console.error(err); process.exit(1); } process.stdout.write(JSON.stringify(res)); })`,
      ]
    : [bin, "-c", String(CONNECTIONS), "-d", String(seconds), "-j", url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      try {
        resolve(JSON.parse(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

type Phase = {
  label: string;
  /** The pipeline's «Дубликаты» setting (undefined: off). */
  dedup?: DedupConfig;
  /** Claim keys inside the ingest INSERT (bench/ingest-dedup-fold.ts) instead of at the worker. */
  fold?: boolean;
};

type PhaseResult = {
  label: string;
  reqs: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  roundTrips: number;
  batch: number;
  verified: string;
  failures: string[];
  round?: number;
  /** Worker-side check only: claims/s and latency of the one statement per run. */
  claims?: { perSecond: number; p50: number; p99: number; n: number };
};

const DEDUP = process.env.BENCH_DEDUP === "1";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (DEDUP ? 2 : 1));
const BENCH_DEDUP_CONFIG: DedupConfig = { enabled: true, by: "key", key: "{{source.appointment_id}}", windowMinutes: 60 };

// BENCH_DEDUP=1: the same load three times in one run — deduplication off, on as built (checked by
// the worker: the ingest statement is the same), and on folded into the ingest INSERT. Every
// request carries a fresh appointment_id (autocannon -I), so every key is new: the fold phase
// writes a DedupKey row per request, the worst case for it and the common case for Klientiks.
const PHASES: Phase[] = DEDUP
  ? [
      { label: "off" },
      { label: "on, worker-side (built)", dedup: BENCH_DEDUP_CONFIG },
      { label: "on, folded into INSERT", dedup: BENCH_DEDUP_CONFIG, fold: true },
    ]
  : [{ label: "ingest" }];

async function main() {
  const dbUrl = env().DATABASE_URL;
  await migrate(dbUrl);

  const user = await prisma.user.create({
    data: { email: `bench-${randomUUID()}@bench.local`, passwordHash: "x", name: "bench:ingest" },
  });
  // A queue of its own, same job options as the real "runs" queue: a worker running against this
  // database must not consume (and remove) the jobs before they are verified.
  const queueName = `bench-ingest-${process.pid}`;
  const benchQueue = new Queue(queueName, { connection: redisConnection(undefined, { enableOfflineQueue: false }) });
  benchQueue.on("error", () => undefined);

  console.log(`bench:ingest  database ${new URL(dbUrl).pathname.slice(1)}, queue ${queueName}`);
  console.log(
    `GET /hooks/<token>?<«Добавление клиента»>${DEDUP ? "&appointment_id=<unique>" : ""}  connections ${CONNECTIONS}, ${DURATION_S} s (+${WARMUP_S} s warm-up)` +
      (DEDUP ? `, phases: ${PHASES.map((p) => p.label).join(" | ")}` : ""),
  );

  // Several rounds, the order reversed every other round, so that neither a cold start nor a
  // machine getting busier favours one phase; the table shows every round and the median.
  const results: PhaseResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? PHASES : [...PHASES].reverse();
    for (const phase of order) results.push({ ...(await runPhase(phase, user.id, benchQueue, queueName)), round: round + 1 });
  }

  if (DEDUP) {
    const row = (label: string, r: Pick<PhaseResult, "reqs" | "p50" | "p99" | "max">, tail = "") =>
      console.log(
        `${label.padEnd(34)} ${String(r.reqs).padStart(6)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${String(r.max).padStart(7)}${tail}`,
      );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    console.log("");
    console.log(`deduplication (${ROUNDS} round(s))              req/s  p50 ms  p99 ms  max ms  INSERTs/req  rows/batch  errors  verified`);
    for (const phase of PHASES) {
      const mine = results.filter((r) => r.label === phase.label);
      for (const r of mine)
        row(
          `${r.label} #${r.round}`,
          r,
          ` ${r.roundTrips.toFixed(3).padStart(12)} ${r.batch.toFixed(1).padStart(11)} ${String(r.errors).padStart(7)}  ${r.verified}`,
        );
      if (mine.length > 1)
        row(`${phase.label} median`, {
          reqs: median(mine.map((r) => r.reqs)),
          p50: median(mine.map((r) => r.p50)),
          p99: median(mine.map((r) => r.p99)),
          max: median(mine.map((r) => r.max)),
        });
    }
    for (const w of results.filter((r) => r.claims)) {
      console.log(
        `worker-side check #${w.round}: ${w.claims!.n} claims (one INSERT … ON CONFLICT each, 50 at a time): ${w.claims!.perSecond} claims/s, p50 ${w.claims!.p50} ms, p99 ${w.claims!.p99} ms`,
      );
    }
  }

  const failures = results.flatMap((r) => r.failures.map((f) => `${r.label}: ${f}`));
  if (!KEEP) {
    await benchQueue.obliterate({ force: true }).catch(() => undefined);
    await prisma.user.delete({ where: { id: user.id } });
  }
  await benchQueue.close();
  await closeDb();
  process.exit(failures.length ? 1 : 0);
}

async function runPhase(phase: Phase, userId: string, benchQueue: Queue, queueName: string): Promise<PhaseResult> {
  const id = randomUUID();
  const webhookToken = newWebhookToken();
  const pipeline = await prisma.pipeline.create({
    data: {
      id,
      userId,
      name: `bench: Клиентикс «Добавление клиента» (${phase.label})`,
      status: "RUNNING",
      webhookToken,
      // The one source of a definition without `sources` (docs/sources.md); the ingest resolves its token.
      sources: { create: { id, userId, token: webhookToken, name: "Вебхук" } },
      definition: { sourceFields: [], steps: [], ...(phase.dedup ? { dedup: phase.dedup } : {}) },
    },
  });
  let enqueueCalls = 0;
  const enqueue = async (ids: string[]) => {
    enqueueCalls++;
    await benchQueue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
  };

  const ingester = createIngester({
    enqueue,
    ...(process.env.BENCH_MAX_IN_FLIGHT ? { maxInFlight: Number(process.env.BENCH_MAX_IN_FLIGHT) } : {}),
    ...(process.env.BENCH_ENQUEUE_WAIT_MS ? { enqueueWaitMs: Number(process.env.BENCH_ENQUEUE_WAIT_MS) } : {}),
    ...(phase.fold ? { statement: { name: "bench_ingest_fold", text: FOLD_SQL, rowFields: foldRowFields } } : {}),
  });
  const handler = createHookHandler({ ingester: () => ingester });
  // The run id of every 200 actually written to a client (a request whose client hung up at the
  // deadline may be stored without a reply; it is counted in the rows, not here).
  const acknowledged: string[] = [];
  let repliesOther = 0;
  const server = http.createServer((req, res) => {
    const end = res.end.bind(res) as (chunk?: unknown) => http.ServerResponse;
    let body = "";
    res.end = ((chunk?: unknown) => {
      if (typeof chunk === "string") body = chunk;
      return end(chunk);
    }) as typeof res.end;
    res.on("finish", () => {
      if (res.statusCode === 200) acknowledged.push(JSON.parse(body).runId);
      else repliesOther++;
    });
    void handler(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/hooks/${pipeline.webhookToken}?${KLIENTIKS_ADD_CLIENT}${DEDUP ? "&appointment_id=[<id>]" : ""}`;
  if (DEDUP) console.log(`\n── deduplication ${phase.label}`);

  if (WARMUP_S > 0) await autocannon(url, WARMUP_S);
  const warm = { ...ingester.stats(), enqueueCalls };

  const result = await autocannon(url, DURATION_S);
  // Requests autocannon gave up on at the deadline may still be completing here.
  await new Promise((r) => setTimeout(r, 500));
  server.close();

  const stats = ingester.stats();
  const batches = stats.batches - warm.batches;
  const rows = stats.rows - warm.rows;
  const enqueues = enqueueCalls - warm.enqueueCalls;

  console.log("");
  console.log(`req/s        ${Math.round(result.requests.average)}  (${result.requests.total} requests)`);
  console.log(`latency      p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
  console.log(`errors       ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  console.log(
    `Postgres     ${batches} INSERT statements for ${rows} rows: ${(batches / Math.max(rows, 1)).toFixed(3)} round trips per request (avg batch ${(rows / Math.max(batches, 1)).toFixed(1)} rows)`,
  );
  console.log(`Redis        ${enqueues} addBulk calls: ${(enqueues / Math.max(rows, 1)).toFixed(3)} per request`);

  // Every 200 (warm-up included) must have its committed row and its job.
  const failures: string[] = [];
  if (repliesOther > 0) failures.push(`${repliesOther} replies other than 200`);
  let missingRows = 0;
  let missingJobs = 0;
  const redis = redisConnection();
  for (let i = 0; i < acknowledged.length; i += 10_000) {
    const chunk = acknowledged.slice(i, i + 10_000);
    const found = await pool().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "Run" WHERE id = ANY($1::uuid[]) AND "pipelineId" = $2 AND status = \'QUEUED\'',
      [chunk, pipeline.id],
    );
    missingRows += chunk.length - found.rows[0].n;
    const p = redis.pipeline();
    for (const id of chunk) p.exists(`bull:${queueName}:${id}`);
    const exists = (await p.exec()) ?? [];
    missingJobs += exists.filter(([err, n]) => err || n !== 1).length;
  }
  const total = await prisma.run.count({ where: { pipelineId: pipeline.id } });
  if (total !== stats.rows) failures.push(`${total} rows for the pipeline, ${stats.rows} inserted`);
  if (missingRows) failures.push(`${missingRows} acknowledged runs without a committed QUEUED row`);
  if (missingJobs) failures.push(`${missingJobs} acknowledged runs without a BullMQ job`);
  console.log(
    `verified     ${acknowledged.length} replies 200 (warm-up included) → ${acknowledged.length - missingRows} committed rows, ` +
      `${acknowledged.length - missingJobs} jobs; ${total} rows in all` +
      (failures.length ? `\nFAILED       ${failures.join("; ")}` : "  OK"),
  );

  redis.disconnect();

  let claims: PhaseResult["claims"];
  if (phase.dedup && !phase.fold) claims = await measureWorkerClaims(pipeline.id, phase.dedup);

  return {
    label: phase.label,
    reqs: Math.round(result.requests.average),
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    roundTrips: batches / Math.max(rows, 1),
    batch: rows / Math.max(batches, 1),
    verified: failures.length ? "FAILED" : "OK",
    failures,
    claims,
  };
}

/** The worker-side check's cost: claimDedupKey (the worker's statement) for the phase's runs, 50 at a time. */
async function measureWorkerClaims(pipelineId: string, cfg: DedupConfig): Promise<NonNullable<PhaseResult["claims"]>> {
  const res = await pool().query<{ id: string; method: string; payload: unknown; receivedAt: Date }>(
    `SELECT id, method, payload, "receivedAt" FROM "Run" WHERE "pipelineId" = $1 LIMIT 20000`,
    [pipelineId],
  );
  const rows = res.rows;
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < rows.length) {
        const r = rows[next++];
        const key = dedupKeyOf(cfg, r)!;
        const t = performance.now();
        const original = await claimDedupKey(pool(), { pipelineId, key, runId: r.id, receivedAt: r.receivedAt, windowMinutes: cfg.windowMinutes });
        times.push(performance.now() - t);
        if (original) throw new Error(`unexpected duplicate ${r.id} of ${original}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * p))] * 10) / 10;
  return { n: rows.length, perSecond: Math.round(rows.length / seconds), p50: q(0.5), p99: q(0.99) };
}

main().catch(async (err) => {
  console.error(err);
  await closeDb().catch(() => undefined);
  process.exit(1);
});
