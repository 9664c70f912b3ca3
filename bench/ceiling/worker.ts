// The ceiling's worker (bench/README.md, "Ceiling"): one BullMQ worker at concurrency 200 doing
// the bench's 3 steps inline — compose {name, phone} → POST it to the fake CRM → parse "n" — with
// the same durable writes as Hookflow's engine, batched across jobs:
//   - the run is loaded with the jobs that start in the same tick, and claimed by that statement
//     (UPDATE … RETURNING: RUNNING, attempts + 1, startedAt), like Hookflow's load, so the start
//     mark is committed before the POST and a crash after it is counted;
//   - the POST is the last step with an effect outside, so — like Hookflow — its row is not
//     committed on its own: the three RunStep rows (input and output JSON, as Hookflow records
//     them) and the final Run update commit together in one statement per batch (one batch in
//     flight, the next one grows), each row encoded to UTF-8 once and the batch sent as one Buffer,
//     as Hookflow's writer does.
// No engine, no definition, no templates, no zod, no SSRF guard. bench/e2e.ts bundles it.
//   DATABASE_URL, REDIS_URL, CEILING_QUEUE ("ceiling"), CEILING_TARGET (the POST URL), CEILING_CONCURRENCY (200)
import http from "node:http";
import { randomUUID } from "node:crypto";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import pg from "pg";
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";

const QUEUE = process.env.CEILING_QUEUE ?? "ceiling";
const TARGET = new URL(process.env.CEILING_TARGET!);
const CONCURRENCY = Number(process.env.CEILING_CONCURRENCY ?? 200);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.PG_POOL_MAX ?? 20) });
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

// ── loads, gathered per tick ──────────────────────────────────────────────────────────────────

type Loaded = { id: string; status: string; payload: Record<string, unknown> };
let loadWaiting: { id: string; resolve: (r: Loaded | undefined) => void; reject: (e: unknown) => void }[] = [];
function load(id: string): Promise<Loaded | undefined> {
  return new Promise((resolve, reject) => {
    if (loadWaiting.length === 0) {
      setImmediate(() => {
        const batch = loadWaiting;
        loadWaiting = [];
        pool
          .query<Loaded>(
            // Named (parsed and planned once per connection), as Hookflow's load and flush are.
            {
              name: "ceiling_load",
              text: `UPDATE "Run" SET status = 'RUNNING', attempts = attempts + 1, "startedAt" = $2::timestamp
                      WHERE id = ANY($1::uuid[]) AND status::text IN ('QUEUED', 'RUNNING') RETURNING id, status, payload`,
            },
            [batch.map((b) => b.id), new Date().toISOString()],
          )
          .then(
            (res) => {
              const byId = new Map(res.rows.map((r) => [r.id, r]));
              for (const b of batch) b.resolve(byId.get(b.id));
            },
            (e) => batch.forEach((b) => b.reject(e)),
          );
      });
    }
    loadWaiting.push({ id, resolve, reject });
  });
}

// ── history, batched across jobs (same statement shape as lib/runs/history-writer.ts) ─────────

const FLUSH_SQL = `
WITH steps AS (
  INSERT INTO "RunStep" (id, "runId", "stepId", position, "actionType", name, status, input, output, attempts, "startedAt", "durationMs")
  SELECT v.id, v."runId", v."stepId", v.position, v."actionType", v.name, v.status::"StepStatus", v.input, v.output,
         v.attempts, v."startedAt", v."durationMs"
  FROM json_to_recordset($1::json) AS v(id uuid, "runId" uuid, "stepId" text, position int, "actionType" text, name text,
         status text, input json, output json, attempts int, "startedAt" timestamp, "durationMs" int)
  RETURNING 1
)
UPDATE "Run" AS r SET
  status = v.status::"RunStatus",
  "finishedAt" = v."finishedAt",
  "durationMs" = v."durationMs",
  error = v.error
FROM json_to_recordset($2::json) AS v(id uuid, status text, "finishedAt" timestamp, "durationMs" int, error text)
WHERE r.id = v.id AND r.id = ANY($3::uuid[]) AND r.status::text IN ('QUEUED', 'RUNNING')
RETURNING r.id, (SELECT count(*) FROM steps)::int AS n`;

/** A run's final state (the start mark is the load's claim). */
type RunPatch = { id: string; status: string; finishedAt: string; durationMs: number; error: string | null };
// Step rows as UTF-8 bytes, the batch one Buffer (as lib/runs/history-writer.ts since round 9).
type Batch = { steps: Buffer[]; runs: Map<string, RunPatch>; waiters: (() => void)[]; fails: ((e: unknown) => void)[] };

const [OPEN, COMMA, CLOSE] = ["[", ",", "]"].map((c) => Buffer.from(c));
let open: Batch = { steps: [], runs: new Map(), waiters: [], fails: [] };
let writing = false;
let scheduled = false;

function schedule(): void {
  if (scheduled || writing) return;
  scheduled = true;
  setImmediate(flush);
}

async function flush(): Promise<void> {
  scheduled = false;
  if (writing || (open.steps.length === 0 && open.runs.size === 0)) return;
  const batch = open;
  open = { steps: [], runs: new Map(), waiters: [], fails: [] };
  writing = true;
  try {
    const parts: Buffer[] = [OPEN];
    batch.steps.forEach((row, i) => (i > 0 ? parts.push(COMMA, row) : parts.push(row)));
    parts.push(CLOSE);
    await pool.query({ name: "ceiling_flush", text: FLUSH_SQL }, [Buffer.concat(parts), JSON.stringify([...batch.runs.values()]), [...batch.runs.keys()]]);
    for (const w of batch.waiters) w();
  } catch (e) {
    for (const f of batch.fails) f(e);
  }
  writing = false;
  schedule();
}

function write(steps: Buffer[], patch: RunPatch): Promise<void> {
  return new Promise((resolve, reject) => {
    open.steps.push(...steps);
    open.runs.set(patch.id, patch);
    open.waiters.push(resolve);
    open.fails.push(reject);
    schedule();
  });
}

function stepRow(
  runId: string,
  stepId: string,
  position: number,
  actionType: string,
  name: string,
  input: string,
  output: string,
  startedAt: Date,
  durationMs: number,
): Buffer {
  const head = JSON.stringify({
    id: randomUUID(),
    runId,
    stepId,
    position,
    actionType,
    name,
    status: "SUCCEEDED",
    attempts: 1,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(durationMs),
  });
  return Buffer.from(`${head.slice(0, -1)},"input":${input},"output":${output}}`);
}

// ── the three steps ──────────────────────────────────────────────────────────────────────────

function post(body: string, key: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: TARGET.hostname,
        port: TARGET.port,
        path: TARGET.pathname,
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), "Idempotency-Key": key },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

// CEILING_PICKUP_TRACE=1: once a second, how long the jobs that started in it waited in Redis
// (added → fetched by moveToActive) and then in BullMQ's worker (fetched → handed to processRun).
const pickup = process.env.CEILING_PICKUP_TRACE === "1" ? { queued: createHistogram(), fetched: createHistogram() } : null;
if (pickup) {
  // Native histograms, as the worker's queue wait (worker/runs-worker.ts).
  const line = (h: RecordableHistogram) => `${h.percentile(50)}/${h.percentile(99)}/${h.max}`;
  setInterval(() => {
    if (pickup.fetched.count === 0) return;
    console.log(
      `[ceiling-worker] pickup ${new Date().toISOString()} n=${pickup.fetched.count} added→fetched ${line(pickup.queued)} fetched→started ${line(pickup.fetched)} ms (p50/p99/max)`,
    );
    pickup.queued.reset();
    pickup.fetched.reset();
  }, 1_000).unref();
}

async function processRun(job: Job<{ runId: string }>): Promise<void> {
  if (pickup && job.processedOn) {
    pickup.queued.record(Math.max(1, job.processedOn - job.timestamp));
    pickup.fetched.record(Math.max(1, Date.now() - job.processedOn));
  }
  const runId = job.data.runId;
  const run = await load(runId);
  if (!run) return; // not QUEUED or RUNNING: finished, or gone
  const t0 = performance.now();

  const p = run.payload;
  const s1 = new Date();
  const composed = { name: String(p.name ?? ""), phone: String(p.phone ?? "") };
  const composedJson = JSON.stringify({ result: composed });
  const d1 = performance.now() - t0;

  const s2 = new Date();
  const t2 = performance.now();
  const body = JSON.stringify(composed);
  const key = `${runId}:post`;
  const res = await post(body, key);
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  const parsedBody = JSON.parse(res.text) as Record<string, unknown>;
  const postInput = JSON.stringify({
    method: "POST",
    url: TARGET.href,
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body,
    timeoutMs: 30_000,
    acceptNon2xx: false,
    maxAttempts: 3,
  });
  const postOutput = JSON.stringify({ status: res.status, headers: res.headers, body: parsedBody });
  const d2 = performance.now() - t2;

  const s3 = new Date();
  const t3 = performance.now();
  const parseInput = JSON.stringify({ json: parsedBody, outputs: [{ key: "n", name: "n", path: '["n"]' }], onMissing: "fail" });
  const parseOutput = JSON.stringify({ n: parsedBody.n });
  const d3 = performance.now() - t3;

  await write(
    [
      stepRow(runId, "compose", 0, "json-composer", "Данные", composedJson, composedJson, s1, d1),
      stepRow(runId, "post", 1, "http-request", "Отправить", postInput, postOutput, s2, d2),
      stepRow(runId, "parse", 2, "json-parser", "Ответ", parseInput, parseOutput, s3, d3),
    ],
    {
      id: runId,
      status: "SUCCEEDED",
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - t0),
      error: null,
    },
  );
}

const worker = new Worker(QUEUE, processRun, {
  connection: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null }),
  concurrency: CONCURRENCY,
  lockDuration: 15_000,
  stalledInterval: 5_000,
  maxStalledCount: 2,
});
worker.on("ready", () => console.log(`[ceiling-worker] ready (queue "${QUEUE}", concurrency ${CONCURRENCY})`));
worker.on("failed", (job, err) => console.error(`[ceiling-worker] job ${job?.id} failed: ${err.message}`));

process.on("SIGTERM", () => {
  void worker
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
