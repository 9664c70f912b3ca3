// Re-runs are NEW runs linked to the original (rerunOfId) with the same request and payload; the
// original stays as it was, so the history keeps both. «From the failed step» sets
// resumeFromStepId and execute-run copies the earlier steps' outputs from the original run.
//
// One INSERT … SELECT serves a single re-run and a bulk one, so both follow the same rules:
//  - only finished runs (FAILED, SUCCEEDED, DUPLICATE — «run it anyway») whose payload is still
//    stored can be re-run; a re-run skips the duplicate check;
//  - "failed-step" applies to FAILED runs with a failed step that exists in the chosen version;
//    any other run (or a step the current version no longer has) starts from the beginning;
//  - version "original" keeps the version the run executed, "current" takes the pipeline's.
import { pool } from "../db";
import { enqueueRuns } from "../queue/run-queue";
import { ConflictError } from "../errors";
import { filterSql, type RunFilter } from "./run-filter";
import { isUuid } from "../uuid";

export type RerunFrom = "start" | "failed-step";
export type RerunVersion = "original" | "current";
export type RerunOptions = { from: RerunFrom; version: RerunVersion };

export const MAX_BULK_RERUN = 1000;

function insertSql(where: string, n: number, extra: string, limit: string): string {
  const from = `$${n}`;
  const version = `$${n + 1}`;
  return `
INSERT INTO "Run" (id, "pipelineId", "sourceId", "userId", version, status, method, query, headers, body, "rawBody",
                   "contentType", "sizeBytes", payload, "searchTerms", "rerunOfId", "resumeFromStepId", "receivedAt")
SELECT gen_random_uuid(), r."pipelineId", r."sourceId", r."userId",
       CASE WHEN ${version} = 'current' THEN p.version ELSE r.version END,
       'QUEUED'::"RunStatus", r.method, r.query, r.headers, r.body, r."rawBody", r."contentType", r."sizeBytes",
       r.payload, r."searchTerms", r.id,
       CASE WHEN ${from} = 'failed-step' AND r.status = 'FAILED' AND r."failedStepId" IS NOT NULL
             AND (${version} = 'original'
                  OR p.definition->'steps' @> jsonb_build_array(jsonb_build_object('id', r."failedStepId")))
            THEN r."failedStepId" END,
       (clock_timestamp() AT TIME ZONE 'UTC')
FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId"
WHERE ${where} AND r.status IN ('FAILED', 'SUCCEEDED', 'FILTERED', 'DUPLICATE') AND NOT r."payloadPruned" ${extra}
ORDER BY r."receivedAt", r.id
${limit}
RETURNING id`;
}

async function enqueueQuietly(ids: string[]): Promise<void> {
  // The rows are committed QUEUED: if Redis is down the worker's sweeper enqueues them.
  for (let i = 0; i < ids.length; i += 1000) {
    await enqueueRuns(ids.slice(i, i + 1000)).catch((err) =>
      console.error(`[runs] enqueue of ${ids.length} re-run(s) failed, left to the sweeper: ${(err as Error).message}`),
    );
  }
}

/** Re-runs one run; null when it is not this user's. Throws 409 when it cannot be re-run. */
export async function rerunRun(input: { userId: string; runId: string } & RerunOptions): Promise<{ runId: string } | null> {
  if (!isUuid(input.runId)) return null;
  const { rows: found } = await pool().query<{ status: string; payloadPruned: boolean; failedStepId: string | null }>(
    `SELECT status, "payloadPruned", "failedStepId" FROM "Run" WHERE id = $1::uuid AND "userId" = $2::uuid`,
    [input.runId, input.userId],
  );
  const run = found[0];
  if (!run) return null;
  if (run.status === "REJECTED") throw new ConflictError("Отклонённый запрос нельзя перезапустить: он не был принят");
  if (run.status === "NOT_PROCESSED") throw new ConflictError("Операция ещё не обработана — обработайте её, а не перезапускайте");
  if (run.status === "QUEUED" || run.status === "RUNNING") throw new ConflictError("Операция ещё выполняется");
  if (run.status === "WAITING") throw new ConflictError("Операция ждёт в шаге «Задержка» — дождитесь её завершения");
  if (run.payloadPruned) throw new ConflictError("Данные этой операции не хранятся (настройка хранения), перезапуск невозможен");
  if (input.from === "failed-step" && (run.status !== "FAILED" || !run.failedStepId)) {
    throw new ConflictError("У операции нет упавшего шага — перезапустите её с начала");
  }
  const { rows } = await pool().query<{ id: string }>(insertSql(`r.id = $1::uuid AND r."userId" = $2::uuid`, 3, "", ""), [
    input.runId,
    input.userId,
    input.from,
    input.version,
  ]);
  const id = rows[0]?.id;
  if (!id) throw new ConflictError("Операцию нельзя перезапустить");
  await enqueueQuietly([id]);
  return { runId: id };
}

/**
 * Re-runs every run matching `filter` (at most MAX_BULK_RERUN, oldest first). Runs that already
 * have a re-run are skipped unless `includeRerun`, so repeating "all failed in the last day" after
 * a partial fix does not run the same request twice.
 */
export async function rerunBulk(
  input: {
    userId: string;
    filter: RunFilter;
    includeRerun?: boolean;
    limit?: number;
  } & RerunOptions,
): Promise<{ count: number; runIds: string[] }> {
  const limit = Math.min(Math.max(input.limit ?? MAX_BULK_RERUN, 1), MAX_BULK_RERUN);
  const { where, params } = filterSql(input.userId, input.filter);
  const n = params.length + 1;
  params.push(input.from, input.version, limit);
  let skip = input.includeRerun ? "" : `AND NOT EXISTS (SELECT 1 FROM "Run" x WHERE x."rerunOfId" = r.id)`;
  // Duplicates are re-run in bulk only when the filter asks for them by status.
  if (!input.filter.status?.includes("DUPLICATE")) skip += ` AND r.status <> 'DUPLICATE'`;
  const { rows } = await pool().query<{ id: string }>(insertSql(where, n, skip, `LIMIT $${n + 2}`), params);
  const runIds = rows.map((r) => r.id);
  await enqueueQuietly(runIds);
  return { count: runIds.length, runIds };
}

export type RerunProgress = { total: number; done: number; succeeded: number; failed: number; pending: number };

/** How far a set of (re-)runs got, for the bulk progress bar. Other users' ids count as nothing. */
export async function runsProgress(userId: string, runIds: string[]): Promise<RerunProgress> {
  const ids = runIds.filter(isUuid).slice(0, MAX_BULK_RERUN);
  if (ids.length === 0) return { total: 0, done: 0, succeeded: 0, failed: 0, pending: 0 };
  const { rows } = await pool().query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM "Run" WHERE "userId" = $1::uuid AND id = ANY($2::uuid[]) GROUP BY status`,
    [userId, ids],
  );
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
  const succeeded = by.SUCCEEDED ?? 0;
  const failed = by.FAILED ?? 0;
  const total = rows.reduce((s, r) => s + r.n, 0);
  return { total, done: succeeded + failed, succeeded, failed, pending: total - succeeded - failed };
}
