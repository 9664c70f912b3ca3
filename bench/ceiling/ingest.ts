// The ceiling's ingest (bench/README.md, "Ceiling"): the least code that does the durable work of
// Hookflow's /hooks path on the same schema and services — node:http, the same request parser
// (lib/webhooks/parse-request.ts), the same Run row and search terms, the same micro-batched
// multi-row INSERT … JOIN "Pipeline" (fsync'd commit, synchronous_commit as the server has it),
// then one BullMQ addBulk per batch with Hookflow's job options, answering 200 after both.
// No Next.js, no rate limiter, no env module, no Prisma. bench/e2e.ts bundles it with esbuild and
// runs it as plain JavaScript.
//   CEILING_PORT, DATABASE_URL, REDIS_URL, CEILING_QUEUE (default "ceiling")
import http from "node:http";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { parseRequest, type ParsedRequest } from "../../lib/webhooks/parse-request";
import { searchTermsOf } from "../../lib/runs/search-terms";

const PORT = Number(process.env.CEILING_PORT ?? 3918);
const QUEUE = process.env.CEILING_QUEUE ?? "ceiling";
const MAX_ROWS = 200;
const MAX_IN_FLIGHT = 4;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.PG_POOL_MAX ?? 10) });
const queue = new Queue(QUEUE, { connection: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null }) });
const jobOptions = { removeOnComplete: true, removeOnFail: { count: 1000 }, attempts: 3, backoff: { type: "exponential", delay: 2_000 } };

const INSERT_SQL = `
INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, query, headers, body,
                   "rawBody", "contentType", "sizeBytes", payload, "searchTerms", "receivedAt")
SELECT v.id, p.id, p."userId", p.version,
       (CASE WHEN p.status = 'RUNNING' THEN 'QUEUED' ELSE 'NOT_PROCESSED' END)::"RunStatus",
       v.method, v.query, v.headers, v.body, v."rawBody", v."contentType", v."sizeBytes", v.payload,
       COALESCE(v."searchTerms", ARRAY[]::text[]), v."receivedAt"
FROM json_to_recordset($1::json) AS v(
       id uuid, token text, method text, query json, headers jsonb, body json, "rawBody" text,
       "contentType" text, "sizeBytes" int, payload json, "searchTerms" text[], "receivedAt" timestamp)
JOIN "Pipeline" p ON p."webhookToken" = v.token
RETURNING id, status`;

type Pending = { id: string; json: string; done: (status: string | null, err?: unknown) => void };

let open: Pending[] = [];
let scheduled = false;
let inFlight = 0;
const ready: Pending[][] = [];

async function write(rows: Pending[]): Promise<void> {
  let statuses: Map<string, string>;
  try {
    const res = await pool.query<{ id: string; status: string }>({
      name: "ceiling_ingest",
      text: INSERT_SQL,
      values: [`[${rows.map((r) => r.json).join(",")}]`],
    });
    statuses = new Map(res.rows.map((r) => [r.id, r.status]));
  } catch (err) {
    for (const r of rows) r.done(null, err);
    return;
  } finally {
    inFlight--;
    dispatch();
  }
  const queued = [...statuses].filter(([, s]) => s === "QUEUED").map(([id]) => id);
  if (queued.length) {
    await queue.addBulk(queued.map((runId) => ({ name: "run", data: { runId }, opts: { ...jobOptions, jobId: runId } })));
  }
  for (const r of rows) r.done(statuses.get(r.id) ?? null);
}

function dispatch(): void {
  while (inFlight < MAX_IN_FLIGHT) {
    if (ready.length === 0 && open.length) {
      ready.push(open);
      open = [];
    }
    const rows = ready.shift();
    if (!rows) return;
    inFlight++;
    void write(rows);
  }
}

function ingest(token: string, request: ParsedRequest, receivedAt: Date): Promise<{ runId: string; status: string | null }> {
  const id = randomUUID();
  const json = JSON.stringify({
    id,
    token,
    method: request.method,
    query: request.query,
    headers: request.headers,
    body: request.body ?? null,
    rawBody: request.rawBody,
    contentType: request.contentType,
    sizeBytes: request.sizeBytes,
    payload: request.payload,
    searchTerms: searchTermsOf(request.payload),
    receivedAt: receivedAt.toISOString(),
  });
  return new Promise((resolve, reject) => {
    open.push({ id, json, done: (status, err) => (err ? reject(err) : resolve({ runId: id, status })) });
    if (open.length >= MAX_ROWS) {
      ready.push(open);
      open = [];
      dispatch();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        dispatch();
      });
    }
  });
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const receivedAt = new Date();
  const m = /^\/hooks\/([A-Za-z0-9_-]{1,200})\/?(?:\?|$)/.exec(req.url ?? "");
  if (!m) {
    req.resume();
    return reply(res, 404, { ok: false, error: "not_found" });
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    try {
      const outcome = await parseRequest({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks) });
      if (!outcome.ok) return reply(res, outcome.rejection.status, { ok: false, error: outcome.rejection.code });
      const r = await ingest(m[1], outcome.request, receivedAt);
      if (!r.status) return reply(res, 404, { ok: false, error: "not_found" });
      reply(res, 200, { ok: true, runId: r.runId });
    } catch (err) {
      console.error("[ceiling-ingest]", (err as Error).message);
      reply(res, 503, { ok: false, error: "unavailable" });
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, "127.0.0.1", () => console.log(`[ceiling-ingest] listening on ${PORT}`));

process.on("SIGTERM", () => {
  server.close();
  void Promise.allSettled([queue.close(), pool.end()]).then(() => process.exit(0));
});
