// The durable point of a webhook: a request is acknowledged only after its Run row is committed.
//
// Concurrent requests are gathered into micro-batches (flushed on setImmediate, or earlier when a
// batch reaches its row or byte cap) and written with ONE statement per batch that also resolves
// each token to its source and pipeline: INSERT … SELECT … FROM json_to_recordset($1) JOIN "Source"
// ON token JOIN "Pipeline" ON its id (docs/sources.md: every source of an обработка has its own
// URL). Resolving inside the INSERT (instead of caching token → pipeline) costs nothing extra — the
// unique index on Source.token and the primary key of Pipeline make the joins a handful of index
// probes — and it means a rotated token or a stopped pipeline takes effect for the very next
// request, with no cache to invalidate across processes. A row the join drops is an unknown
// token → 404. The run records its source (Run.sourceId).
//
// After the commit the QUEUED ids of the batch go to BullMQ in ONE addBulk. Redis failing is logged
// and swallowed: the row is the truth and the worker's sweeper enqueues QUEUED runs it finds.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { pool as defaultPool } from "../pool";
import { enqueueRuns } from "../queue/run-queue";
import type { ParsedRequest } from "./parse-request";
import { searchTermsOf } from "../runs/search-terms";

export type IngestInput = {
  token: string;
  request: ParsedRequest;
  /** Set for requests refused at parse time (413/400/415): stored as REJECTED, never enqueued. */
  rejectReason?: string | null;
  /** Recorded on purpose without executing (Tilda's test=test, VK's confirmation): FILTERED with this note. */
  skipNote?: string | null;
  receivedAt?: Date;
};

export type IngestedStatus = "QUEUED" | "NOT_PROCESSED" | "REJECTED" | "FILTERED";

export type IngestResult = { found: true; runId: string; status: IngestedStatus } | { found: false };

export type IngesterOptions = {
  pool?: () => pg.Pool;
  enqueue?: (runIds: string[]) => Promise<void>;
  maxBatchRows?: number;
  /** Serialized JSON size that closes a batch early (1 MiB bodies must not pile into one statement). */
  maxBatchBytes?: number;
  /**
   * BullMQ waits for a lost Redis connection rather than failing, so a down Redis must not hold
   * replies: after this the callers are answered (the row is committed) and the add continues.
   */
  enqueueWaitMs?: number;
  /** Run ids whose enqueue may wait on Redis at once; beyond that they are left to the sweeper. */
  maxPendingEnqueue?: number;
  /** Batches being written at once; more requests wait and join the next batch. */
  maxInFlight?: number;
  /**
   * Benchmarks only (bench/ingest.ts, BENCH_DEDUP=1): another statement over the same
   * json_to_recordset rows, plus extra fields per row — how folding the duplicate check into the
   * INSERT was measured against the worker-side check the product uses (docs/dedup.md).
   */
  statement?: { name: string; text: string; rowFields: (input: IngestInput) => Record<string, unknown> };
};

export type IngesterStats = { batches: number; rows: number; enqueueFailures: number };

export type Ingester = {
  ingest(input: IngestInput): Promise<IngestResult>;
  stats(): IngesterStats;
};

// ── batching ─────────────────────────────────────────────────────────────────────────────────

type Pending = {
  id: string;
  json: string;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
};

const INSERT_SQL = `
INSERT INTO "Run" (id, "pipelineId", "sourceId", "userId", version, status, method, query, headers, body,
                   "rawBody", "contentType", "sizeBytes", payload, "rejectReason", "searchTerms", "receivedAt", error, "finishedAt")
SELECT v.id, p.id, s.id, p."userId", p.version,
       (CASE WHEN v."rejectReason" IS NOT NULL THEN 'REJECTED'
             WHEN v."skipNote" IS NOT NULL THEN 'FILTERED'
             WHEN p.status = 'RUNNING' THEN 'QUEUED'
             ELSE 'NOT_PROCESSED' END)::"RunStatus",
       v.method, v.query, v.headers, v.body, v."rawBody", v."contentType", v."sizeBytes", v.payload,
       v."rejectReason", COALESCE(v."searchTerms", ARRAY[]::text[]), v."receivedAt",
       v."skipNote", CASE WHEN v."skipNote" IS NOT NULL THEN v."receivedAt" END
FROM json_to_recordset($1::json) AS v(
       id uuid, token text, method text, query json, headers jsonb, body json, "rawBody" text,
       "contentType" text, "sizeBytes" int, payload json, "rejectReason" text, "searchTerms" text[],
       "receivedAt" timestamp, "skipNote" text)
JOIN "Source" s ON s.token = v.token
JOIN "Pipeline" p ON p.id = s."pipelineId"
RETURNING id, status`;

// Postgres text and jsonb hold neither U+0000 nor lone surrogates (JSON.parse of "\ud800" makes
// one). JSON.stringify escapes exactly those as \u0000 / \udXXX (paired surrogates stay raw), so
// such an escape, preceded by an even number of backslashes (i.e. not itself an escaped backslash),
// becomes U+FFFD instead of failing the request.
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;

function rowJson(id: string, input: IngestInput, extra?: Record<string, unknown>): string {
  const r = input.request;
  const json = JSON.stringify({
    ...extra,
    id,
    token: input.token,
    method: r.method,
    query: r.query,
    headers: r.headers,
    body: r.body ?? null,
    rawBody: r.rawBody,
    contentType: r.contentType,
    sizeBytes: r.sizeBytes,
    payload: r.payload,
    rejectReason: input.rejectReason ?? null,
    ...(input.skipNote ? { skipNote: input.skipNote } : {}),
    searchTerms: searchTermsOf(r.payload),
    receivedAt: (input.receivedAt ?? new Date()).toISOString(),
  });
  return json.includes("\\u") ? json.replace(UNSTORABLE_ESCAPE, "$1\\ufffd") : json;
}

/** Data errors (SQLSTATE 22xxx/23xxx/54xxx) concern single rows; anything else is the database. */
function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

let lastEnqueueLog = 0;
let suppressedEnqueueLogs = 0;

function logEnqueueFailure(err: unknown, count: number): void {
  const now = Date.now();
  if (now - lastEnqueueLog < 10_000) {
    suppressedEnqueueLogs += count;
    return;
  }
  const extra = suppressedEnqueueLogs ? ` (+${suppressedEnqueueLogs} more since the last message)` : "";
  suppressedEnqueueLogs = 0;
  lastEnqueueLog = now;
  console.error(`[ingest] could not enqueue ${count} run(s), the sweeper will: ${(err as Error)?.message ?? err}${extra}`);
}

export function createIngester(options: IngesterOptions = {}): Ingester {
  const getPool = options.pool ?? defaultPool;
  const enqueue = options.enqueue ?? enqueueRuns;
  const maxRows = options.maxBatchRows ?? 200;
  const maxBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
  const enqueueWaitMs = options.enqueueWaitMs ?? 250;
  const maxPendingEnqueue = options.maxPendingEnqueue ?? 50_000;
  let pendingEnqueue = 0;
  const maxInFlight = options.maxInFlight ?? 4;
  const stats: IngesterStats = { batches: 0, rows: 0, enqueueFailures: 0 };

  // The open batch grows until the next turn of the event loop; while maxInFlight statements are
  // already running it keeps growing (group commit), so a busy database gets fewer, larger INSERTs.
  let open: Pending[] = [];
  let openBytes = 0;
  const ready: Pending[][] = [];
  let inFlight = 0;
  let scheduled = false;

  async function insert(rows: Pending[]): Promise<Map<string, IngestedStatus>> {
    stats.batches++;
    const json = rows.length === 1 ? `[${rows[0].json}]` : `[${rows.map((r) => r.json).join(",")}]`;
    // Named: each pooled connection parses and plans the statement once, not once per batch.
    const res = await getPool().query<{ id: string; status: IngestedStatus }>({
      name: options.statement?.name ?? "hookflow_ingest_runs",
      text: options.statement?.text ?? INSERT_SQL,
      values: [json],
    });
    stats.rows += res.rowCount ?? 0;
    return new Map(res.rows.map((r) => [r.id, r.status]));
  }

  async function enqueueBounded(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (pendingEnqueue + ids.length > maxPendingEnqueue) {
      // Redis has been unreachable for a while (BullMQ waits for the connection instead of
      // failing): stop piling up promises; these rows stay QUEUED for the sweeper.
      stats.enqueueFailures += ids.length;
      logEnqueueFailure(new Error(`${pendingEnqueue} enqueues still waiting for Redis`), ids.length);
      return;
    }
    pendingEnqueue += ids.length;
    let timer: NodeJS.Timeout | undefined;
    const attempt = enqueue(ids)
      .catch((err) => {
        stats.enqueueFailures += ids.length;
        logEnqueueFailure(err, ids.length);
      })
      .finally(() => (pendingEnqueue -= ids.length));
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, enqueueWaitMs);
      timer.unref();
    });
    await Promise.race([attempt, timeout]);
    clearTimeout(timer);
  }

  function settle(rows: Pending[], statuses: Map<string, IngestedStatus>): void {
    for (const r of rows) {
      const status = statuses.get(r.id);
      r.resolve(status ? { found: true, runId: r.id, status } : { found: false });
    }
  }

  /** Writes a batch; rows that could not be stored are rejected here and left out of the result. */
  async function write(rows: Pending[]): Promise<Map<string, IngestedStatus>> {
    try {
      return await insert(rows);
    } catch (err) {
      if (rows.length > 1 && isRowError(err)) {
        // One unstorable row must not fail its neighbours: store them one by one.
        const parts = await Promise.all(rows.map((r) => write([r])));
        return new Map(parts.flatMap((m) => [...m]));
      }
      for (const r of rows) r.reject(err);
      return new Map();
    }
  }

  async function acknowledge(rows: Pending[], statuses: Map<string, IngestedStatus>): Promise<void> {
    const queued: string[] = [];
    for (const [id, status] of statuses) if (status === "QUEUED") queued.push(id);
    await enqueueBounded(queued);
    // Rows missing from `statuses` were either rejected above (a no-op now) or dropped by the JOIN.
    settle(rows, statuses);
  }

  function closeOpen(): void {
    if (open.length === 0) return;
    ready.push(open);
    open = [];
    openBytes = 0;
  }

  function dispatch(): void {
    while (inFlight < maxInFlight) {
      if (ready.length === 0) closeOpen();
      const rows = ready.shift();
      if (!rows) return;
      inFlight++;
      // The slot covers the INSERT only: waiting on Redis must not slow down the writes.
      void write(rows).then((statuses) => {
        inFlight--;
        dispatch();
        return acknowledge(rows, statuses);
      });
    }
  }

  function onTick(): void {
    scheduled = false;
    dispatch();
  }

  return {
    ingest(input) {
      const id = randomUUID();
      let json: string;
      try {
        json = rowJson(id, input, options.statement?.rowFields(input));
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<IngestResult>((resolve, reject) => {
        open.push({ id, json, resolve, reject });
        openBytes += json.length;
        if (open.length >= maxRows || openBytes >= maxBytes) {
          closeOpen();
          dispatch();
        } else if (!scheduled) {
          scheduled = true;
          setImmediate(onTick);
        }
      });
    },
    stats: () => ({ ...stats }),
  };
}

const globalForIngest = globalThis as unknown as { __hookflowIngester?: Ingester };

/** The process-wide ingester (real pool, real enqueueRuns). */
export function defaultIngester(): Ingester {
  globalForIngest.__hookflowIngester ??= createIngester();
  return globalForIngest.__hookflowIngester;
}

export function ingestRun(input: IngestInput): Promise<IngestResult> {
  return defaultIngester().ingest(input);
}
