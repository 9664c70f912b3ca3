// Retention (per pipeline): runs received before now − retentionDays are deleted, and for pipelines
// that do not store successful payloads the request and step data of SUCCEEDED runs are cleared.
//
// Called periodically by the worker. Work is done in small batches (one short statement of at most
// `batchSize` rows each, then a pause) so that it never holds many locks or a long transaction
// next to ingest; rows are picked with SKIP LOCKED so a run the worker is writing is left for the
// next call. The cut-off is computed once per call, before any deletion: nothing received inside
// the window is ever deleted, however long the call takes.
import type pg from "pg";
import { pool as defaultPool } from "../pool";

export type PruneRunsOptions = {
  /** Rows per statement (default 1000). */
  batchSize?: number;
  /** Pause between statements, ms (default 100). */
  pauseMs?: number;
  /** Stop after this many statements in one call (default unlimited); the next call continues. */
  maxBatches?: number;
  /** Only this pipeline (default all). */
  pipelineId?: string;
  now?: Date;
  signal?: AbortSignal;
  pool?: () => pg.Pool;
};

export type PruneRunsResult = { deleted: number; payloadsCleared: number; batches: number };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

// QUEUED/RUNNING runs are in someone's hands; deleting them would pull a row from under the worker.
const DELETE_SQL = `
DELETE FROM "Run" WHERE id IN (
  SELECT id FROM "Run"
  WHERE "pipelineId" = $1::uuid AND "receivedAt" < $2::timestamp AND status NOT IN ('QUEUED', 'RUNNING', 'WAITING')
  ORDER BY "receivedAt"
  LIMIT $3
  FOR UPDATE SKIP LOCKED)`;

// Search terms are cleared too: they are the payload's values (phones, e-mails), which is exactly
// what a pipeline that does not keep successful payloads must not keep.
const CLEAR_SQL = `
WITH batch AS (
  SELECT id FROM "Run"
  WHERE "pipelineId" = $1::uuid AND status = 'SUCCEEDED' AND NOT "payloadPruned" AND "receivedAt" >= $2::timestamp
  LIMIT $3
  FOR UPDATE SKIP LOCKED
), steps AS (
  UPDATE "RunStep" SET input = NULL, output = NULL WHERE "runId" IN (SELECT id FROM batch) RETURNING 1
), search AS (
  DELETE FROM "RunSearch" WHERE "runId" IN (SELECT id FROM batch) RETURNING 1
)
UPDATE "Run" r SET body = NULL, "rawBody" = NULL, payload = '{}'::json, query = '{}'::json,
                   "searchTerms" = ARRAY[]::text[], "payloadPruned" = true
FROM batch WHERE r.id = batch.id`;

export async function pruneRuns(opts: PruneRunsOptions = {}): Promise<PruneRunsResult> {
  const getPool = opts.pool ?? defaultPool;
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  const pauseMs = opts.pauseMs ?? 100;
  const maxBatches = opts.maxBatches ?? Infinity;
  const now = opts.now ?? new Date();
  const result: PruneRunsResult = { deleted: 0, payloadsCleared: 0, batches: 0 };

  const { rows: pipelines } = await getPool().query<{ id: string; retentionDays: number; storeSuccessPayloads: boolean }>(
    `SELECT id, "retentionDays", "storeSuccessPayloads" FROM "Pipeline" ${opts.pipelineId ? "WHERE id = $1::uuid" : ""} ORDER BY id`,
    opts.pipelineId ? [opts.pipelineId] : [],
  );

  // The pause follows statements that changed rows only: a thousand pipelines with nothing to
  // prune must not cost a thousand pauses.
  let pauseNext = false;
  const loop = async (sql: string, params: unknown[], count: (n: number) => void) => {
    for (;;) {
      if (opts.signal?.aborted || result.batches >= maxBatches) return false;
      if (pauseNext) await sleep(pauseMs, opts.signal);
      const res = await getPool().query(sql, [...params, batchSize]);
      const n = res.rowCount ?? 0;
      result.batches++;
      count(n);
      pauseNext = n > 0;
      if (n < batchSize) return true;
    }
  };

  for (const p of pipelines) {
    const cutoff = new Date(now.getTime() - Math.max(1, p.retentionDays) * 86_400_000).toISOString();
    if (!(await loop(DELETE_SQL, [p.id, cutoff], (n) => (result.deleted += n)))) break;
    if (!p.storeSuccessPayloads) {
      if (!(await loop(CLEAR_SQL, [p.id, cutoff], (n) => (result.payloadsCleared += n)))) break;
    }
  }
  return result;
}
