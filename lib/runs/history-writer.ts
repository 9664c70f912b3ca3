// Batched history writes (DESIGN.md §1): the step rows and run updates of every job that reaches a
// write point in the same turn of the event loop are committed together, in ONE statement:
//   WITH steps AS (INSERT INTO "RunStep" … ON CONFLICT ("runId","stepId") DO UPDATE …)
//   UPDATE "Run" … FROM jsonb_to_recordset(…) RETURNING …
// Measured on 2 cores: a statement per step ~1,500 runs/s, a transaction per job ~2,050, batched
// across jobs ~3,500–4,000. One statement is atomic, so a run's final status and its rows commit
// together, and the caller's promise resolves only after that commit.
//
// While a batch is being written the next one keeps growing (group commit): a slow database gets
// fewer, larger statements instead of a longer queue of small ones. One batch is in flight by
// default (option maxInFlight); a run is never in two statements at once, so writes of the same
// run are applied in the order they were made.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { pool as defaultPool } from "../pool";
import type { FinishedRun } from "../alerts/on-runs-finished";

export type StepRow = {
  runId: string;
  stepId: string;
  position: number;
  actionType: string;
  name: string;
  status: "SUCCEEDED" | "FAILED" | "SKIPPED";
  /** Already-serialized JSON (masked and capped by the caller), or null. */
  inputJson: string | null;
  outputJson: string | null;
  error: string | null;
  /** The failure's structured form (ErrorDetail), or null. */
  errorDetail?: unknown;
  attempts: number;
  truncated: boolean;
  startedAt: Date;
  durationMs: number;
};

export type RunFinish = {
  runId: string;
  /** FILTERED: a «Фильтр» stopped it (final, but no alert). */
  status: "SUCCEEDED" | "FAILED" | "FILTERED";
  error: string | null;
  failedStepId: string | null;
  finishedAt: Date;
  durationMs: number;
  /** Step outputs' search terms that the request does not carry (RunSearch kind 1; docs/history.md). */
  outputTerms?: string[];
};

export type HistoryWriterOptions = {
  pool?: () => pg.Pool;
  /** Called (not awaited by the jobs) with the runs whose final status a batch committed. */
  onFinished?: (runs: FinishedRun[]) => Promise<void> | void;
  /** Runs per statement; more waits for the next batch. */
  maxBatchRuns?: number;
  /**
   * Statements in flight at once (default HISTORY_MAX_IN_FLIGHT or 1). More in flight shortens a
   * job's wait for "its" commit (it need not wait for the batch before it) at the price of smaller
   * batches. A batch holding a run that is in a statement still in flight waits for that one, so
   * a run's writes commit in the order they were made (and two statements never lock the same
   * rows) whatever this is.
   */
  maxInFlight?: number;
};

export type HistoryWriterStats = { batches: number; stepRows: number; runUpdates: number; failedBatches: number };

export type HistoryWriter = {
  /**
   * Marks a run RUNNING and counts an attempt; resolves once that is committed (batched with other
   * writes). Awaited before any step runs, so every execution that may have had effects is counted
   * — a worker killed mid-run leaves attempts = 1 and the re-execution makes it 2.
   */
  start(runId: string, startedAt?: Date): Promise<void>;
  /** Commits step rows (and the run's final state, when given); resolves after the commit. */
  commit(steps: StepRow[], finish?: RunFinish): Promise<void>;
  /** Commits step rows and parks the run WAITING until `waitUntil` («Задержка»). */
  park(steps: StepRow[], runId: string, waitUntil: Date): Promise<void>;
  /** Resolves when everything handed in so far has been written (or has failed). */
  drain(): Promise<void>;
  stats(): HistoryWriterStats;
};

type RunPatch = {
  id: string;
  attemptsInc: number;
  startedAt: string | null;
  final: boolean;
  status: string | null;
  error: string | null;
  failedStepId: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  outputTerms: string[] | null;
  waitUntil: string | null;
};

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

// Step rows wait for their statement as UTF-8 bytes, not as strings: a Buffer's bytes live
// outside V8's heap, so the rows of hundreds of runs waiting for a commit are not copied by every
// scavenge (a row naming «Отправить» is a two-byte string of ~1.3 KB, its bytes ~650), and the
// batch is one memcpy per row instead of flattening a string of a few hundred KB and encoding it
// again when pg sends it.
type Batch = { steps: Map<string, Buffer>; runs: Map<string, RunPatch>; waiters: Waiter[] };

const FLUSH_SQL = `
WITH steps AS (
  INSERT INTO "RunStep" AS t (id, "runId", "stepId", position, "actionType", name, status, input, output,
                              error, "errorDetail", attempts, truncated, "startedAt", "durationMs")
  SELECT v.id, v."runId", v."stepId", v.position, v."actionType", v.name, v.status::"StepStatus", v.input,
         v.output, v.error, v."errorDetail", v.attempts, v.truncated, v."startedAt", v."durationMs"
  FROM json_to_recordset($1::json) AS v(id uuid, "runId" uuid, "stepId" text, position int, "actionType" text,
         name text, status text, input json, output json, error text, "errorDetail" json, attempts int, truncated boolean,
         "startedAt" timestamp, "durationMs" int)
  ON CONFLICT ("runId", "stepId") DO UPDATE SET
    position = EXCLUDED.position, "actionType" = EXCLUDED."actionType", name = EXCLUDED.name,
    status = EXCLUDED.status, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
    "errorDetail" = EXCLUDED."errorDetail",
    attempts = EXCLUDED.attempts, truncated = EXCLUDED.truncated, "startedAt" = EXCLUDED."startedAt",
    "durationMs" = EXCLUDED."durationMs"
  RETURNING 1
), runs AS (
UPDATE "Run" AS r SET
  status = COALESCE(v.status::"RunStatus", r.status),
  attempts = r.attempts + v."attemptsInc",
  "startedAt" = COALESCE(v."startedAt", r."startedAt"),
  "finishedAt" = CASE WHEN v.final THEN v."finishedAt" ELSE NULL END,
  "durationMs" = CASE WHEN v.final THEN v."durationMs" ELSE NULL END,
  error = CASE WHEN v.final THEN v.error ELSE NULL END,
  "failedStepId" = CASE WHEN v.final THEN v."failedStepId" ELSE NULL END,
  "waitUntil" = v."waitUntil"
FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, "attemptsInc" int, "startedAt" timestamp, final boolean,
       status text, error text, "failedStepId" text, "finishedAt" timestamp, "durationMs" int, "outputTerms" text[],
       "waitUntil" timestamp)
WHERE r.id = v.id
  -- The ids again as an array, and the status compared as text (no index matches it): the
  -- primary key is then the only way in, whatever the statistics say. Joined only through the
  -- recordset (estimated 100 rows) with statistics that predate a burst, the planner read every
  -- QUEUED/RUNNING run through the status index on every flush (bench: ~10,000 rows per statement).
  AND r.id = ANY($3::uuid[])
  -- A final status is final: neither a late "started" mark nor a second finish may change it.
  AND r.status::text IN ('QUEUED', 'RUNNING', 'WAITING')
RETURNING r.id, r."pipelineId", r."userId", r.status, v.final, v."outputTerms"
), search AS (
  -- Insert-only (the GIN index stays off the Run updates); only for a finish that took effect.
  INSERT INTO "RunSearch" ("runId", kind, terms)
  SELECT id, 1, "outputTerms" FROM runs WHERE final AND cardinality("outputTerms") > 0
  ON CONFLICT ("runId", kind) DO UPDATE SET terms = EXCLUDED.terms
  RETURNING 1
)
SELECT id, "pipelineId", "userId", status, final, (SELECT count(*) FROM steps)::int AS "stepRows" FROM runs`;

/**
 * Named, so each connection has Postgres parse and plan it once: unprepared, this ~3 KB statement
 * cost its backend ~0.6 ms of CPU per flush before it touched a row, ~0.17 ms prepared (measured on
 * the bench's database, 10 ids, empty rows; docs/scaling.md «Round 12»). The plan Postgres may
 * keep for every execution (a generic one) still goes through the primary key: the ids as an array.
 */
export const FLUSH_STATEMENT = { name: "hookflow_history_flush", text: FLUSH_SQL };

// Postgres text and jsonb hold neither U+0000 nor lone surrogates; JSON.stringify writes exactly
// those as \u0000 / \udXXX escapes (same rule as lib/webhooks/ingest.ts), which become U+FFFD.
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;

function storable(json: string): string {
  return json.includes("\\u") ? json.replace(UNSTORABLE_ESCAPE, "$1\\ufffd") : json;
}

function stepJson(s: StepRow): Buffer {
  // input/output arrive serialized (the executor measured them for the run cap): splice, not re-encode.
  const head = JSON.stringify({
    id: randomUUID(),
    runId: s.runId,
    stepId: s.stepId,
    position: s.position,
    actionType: s.actionType,
    name: s.name,
    status: s.status,
    error: s.error,
    errorDetail: s.errorDetail ?? null,
    attempts: s.attempts,
    truncated: s.truncated,
    startedAt: s.startedAt.toISOString(),
    durationMs: Math.max(0, Math.round(s.durationMs)),
  });
  // Each part is a whole JSON value, so an escape never spans two of them: checking the parts
  // spares a pass over the spliced row, which is encoded to UTF-8 once, here.
  const input = s.inputJson === null ? "null" : storable(s.inputJson);
  const output = s.outputJson === null ? "null" : storable(s.outputJson);
  return Buffer.from(`${storable(head).slice(0, -1)},"input":${input},"output":${output}}`, "utf8");
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/** `[row,row,…]` as one Buffer: pg sends a Buffer as it is (binary format; json's is its text). */
function jsonArray(rows: Iterable<Buffer>): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const r of rows) {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(r);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

function emptyPatch(id: string): RunPatch {
  return {
    id,
    attemptsInc: 0,
    startedAt: null,
    final: false,
    status: null,
    error: null,
    failedStepId: null,
    finishedAt: null,
    durationMs: null,
    outputTerms: null,
    waitUntil: null,
  };
}

export function createHistoryWriter(options: HistoryWriterOptions = {}): HistoryWriter {
  const getPool = options.pool ?? defaultPool;
  const maxRuns = options.maxBatchRuns ?? 1000;
  const stats: HistoryWriterStats = { batches: 0, stepRows: 0, runUpdates: 0, failedBatches: 0 };
  let open: Batch = newBatch();
  const maxInFlight = Math.max(1, options.maxInFlight ?? Number(process.env.HISTORY_MAX_IN_FLIGHT ?? 1));
  const writing = new Set<Promise<void>>();
  let scheduled = false;
  const busy = () => writing.size >= maxInFlight;
  /** Runs in statements still in flight (only tracked with more than one in flight). */
  const inFlightRuns = new Set<string>();
  const runsOf = (b: Batch) => {
    const ids = new Set(b.runs.keys());
    for (const k of b.steps.keys()) ids.add(k.slice(0, k.indexOf("\u0000")));
    return ids;
  };

  function newBatch(): Batch {
    return { steps: new Map(), runs: new Map(), waiters: [] };
  }

  function patchFor(runId: string): RunPatch {
    let p = open.runs.get(runId);
    if (!p) open.runs.set(runId, (p = emptyPatch(runId)));
    return p;
  }

  function schedule(): void {
    if (scheduled || busy()) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  async function flush(): Promise<void> {
    if (busy()) return;
    if (open.steps.size === 0 && open.runs.size === 0) return;
    let ids: Set<string> | null = null;
    if (maxInFlight > 1) {
      ids = runsOf(open);
      for (const id of ids) if (inFlightRuns.has(id)) return; // flushed when that statement ends
      for (const id of ids) inFlightRuns.add(id);
    }
    const batch = open;
    open = newBatch();
    const w = write(batch);
    writing.add(w);
    await w;
    writing.delete(w);
    if (ids) for (const id of ids) inFlightRuns.delete(id);
    if (open.steps.size > 0 || open.runs.size > 0) {
      // Full batches go at once; a partial one waits one more turn to gather company.
      if (open.runs.size >= maxRuns) void flush();
      else schedule();
    }
  }

  async function write(batch: Batch): Promise<void> {
    stats.batches++;
    const stepsJson = jsonArray(batch.steps.values());
    const runsJson = storable(JSON.stringify([...batch.runs.values()]));
    const runIds = [...batch.runs.keys()];
    let finished: FinishedRun[] = [];
    try {
      const res = await getPool().query<{
        id: string;
        pipelineId: string;
        userId: string;
        status: string;
        final: boolean;
      }>(FLUSH_STATEMENT, [stepsJson, runsJson, runIds]);
      stats.stepRows += batch.steps.size;
      stats.runUpdates += res.rowCount ?? 0;
      finished = res.rows
        .filter((r) => r.final && (r.status === "SUCCEEDED" || r.status === "FAILED"))
        .map((r) => ({ id: r.id, pipelineId: r.pipelineId, userId: r.userId, status: r.status as FinishedRun["status"] }));
    } catch (err) {
      stats.failedBatches++;
      for (const w of batch.waiters) w.reject(err);
      return;
    }
    for (const w of batch.waiters) w.resolve();
    if (finished.length > 0 && options.onFinished) {
      // Alerts must never fail or delay the jobs whose rows are already committed.
      try {
        void Promise.resolve(options.onFinished(finished)).catch((e) => console.error("[history] onRunsFinished failed:", (e as Error)?.message ?? e));
      } catch (e) {
        console.error("[history] onRunsFinished failed:", (e as Error)?.message ?? e);
      }
    }
  }

  return {
    start(runId, startedAt = new Date()) {
      return new Promise<void>((resolve, reject) => {
        const p = patchFor(runId);
        p.attemptsInc += 1;
        if (!p.final) {
          p.status = "RUNNING";
          p.startedAt = startedAt.toISOString();
        }
        open.waiters.push({ resolve, reject });
        if (open.runs.size >= maxRuns && !busy()) void flush();
        else schedule();
      });
    },
    commit(steps, finish) {
      return new Promise<void>((resolve, reject) => {
        for (const s of steps) open.steps.set(`${s.runId}\u0000${s.stepId}`, stepJson(s));
        if (finish) {
          const p = patchFor(finish.runId);
          p.final = true;
          p.status = finish.status;
          p.error = finish.error;
          p.failedStepId = finish.failedStepId;
          p.finishedAt = finish.finishedAt.toISOString();
          p.durationMs = Math.max(0, Math.round(finish.durationMs));
          if (finish.outputTerms) p.outputTerms = finish.outputTerms;
        }
        open.waiters.push({ resolve, reject });
        if (open.runs.size >= maxRuns && !busy()) void flush();
        else schedule();
      });
    },
    async drain() {
      for (;;) {
        if (writing.size > 0) await Promise.all(writing);
        else if (open.steps.size > 0 || open.runs.size > 0) await flush();
        else return;
      }
    },
    park(steps, runId, waitUntil) {
      return new Promise<void>((resolve, reject) => {
        for (const s of steps) open.steps.set(`${s.runId}\u0000${s.stepId}`, stepJson(s));
        const p = patchFor(runId);
        if (!p.final) {
          p.status = "WAITING";
          p.waitUntil = waitUntil.toISOString();
        }
        open.waiters.push({ resolve, reject });
        if (open.runs.size >= maxRuns && !busy()) void flush();
        else schedule();
      });
    },
    stats: () => ({ ...stats }),
  };
}
