// The История операций list: a user's runs (one pipeline or all), newest first, keyset-paginated on
// (receivedAt desc, id desc) so page N costs what page 1 costs. Raw SQL on purpose: this query is
// polled every 2 s by open history pages and must use `searchTerms @> ARRAY[…]` for the GIN index
// and a row comparison for the keyset, neither of which Prisma emits.
import { pool } from "../db";
import { decodeCursor, encodeCursor, filterSql, RUN_SOURCE_ID, type RunFilter, type RunStatus } from "./run-filter";
import { isUuid } from "../uuid";
import { summarizeFields } from "./summarize-input";

export type RunListItem = {
  id: string;
  pipelineId: string;
  pipelineName: string;
  /** The source the event came from (docs/sources.md). */
  sourceId: string;
  sourceName: string | null;
  /** The source was removed from the обработка since. */
  sourceRemoved: boolean;
  /** How many sources the обработка has now (the list names the source when there are several). */
  sourceCount: number;
  status: RunStatus;
  method: string;
  version: number;
  receivedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  attempts: number;
  summary: string;
  error: string | null;
  rerunOfId: string | null;
  resumeFromStepId: string | null;
  payloadPruned: boolean;
  rejectReason: string | null;
  /** WAITING runs: when their «Задержка» ends. */
  waitUntil: string | null;
  /** A FAILED run that a later re-run of it fixed: that SUCCEEDED re-run (the newest one). */
  fixedByRunId: string | null;
};

type Row = Omit<RunListItem, "receivedAt" | "startedAt" | "finishedAt" | "summary" | "waitUntil"> & {
  waitUntil: Date | null;
  receivedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  fields: [string, string][] | null;
};

// Only the first keys of the payload, each cut to 80 characters, leave the database: a list page
// must not carry fifty 1 MiB bodies to render fifty one-line summaries.
const COLUMNS = `
  r.id, r."pipelineId", p.name AS "pipelineName", r.status, r.method, r.version,
  ${RUN_SOURCE_ID} AS "sourceId",
  (SELECT s.name FROM "Source" s WHERE s.id = ${RUN_SOURCE_ID}) AS "sourceName",
  COALESCE((SELECT s."removedAt" IS NOT NULL FROM "Source" s WHERE s.id = ${RUN_SOURCE_ID}), false) AS "sourceRemoved",
  (SELECT count(*)::int FROM "Source" s WHERE s."pipelineId" = r."pipelineId" AND s."removedAt" IS NULL) AS "sourceCount",
  r."receivedAt" AT TIME ZONE 'UTC' AS "receivedAt",
  r."startedAt" AT TIME ZONE 'UTC' AS "startedAt",
  r."finishedAt" AT TIME ZONE 'UTC' AS "finishedAt",
  r."waitUntil" AT TIME ZONE 'UTC' AS "waitUntil",
  r."durationMs", r.attempts, left(r.error, 300) AS error, r."rerunOfId", r."resumeFromStepId",
  r."payloadPruned", left(r."rejectReason", 300) AS "rejectReason",
  (SELECT rr.id FROM "Run" rr WHERE r.status = 'FAILED' AND rr."rerunOfId" = r.id AND rr.status = 'SUCCEEDED'
     ORDER BY rr."receivedAt" DESC LIMIT 1) AS "fixedByRunId",
  (SELECT json_agg(json_build_array(e.key,
            left(CASE WHEN json_typeof(e.value) = 'string' THEN e.value #>> '{}' ELSE e.value::text END, 80)))
     FROM (SELECT key, value FROM json_each(CASE WHEN json_typeof(r.payload) = 'object' THEN r.payload
                                                 ELSE '{}'::json END) LIMIT 30) e) AS fields`;

function toItem(r: Row): RunListItem {
  const { fields, ...rest } = r;
  return {
    ...rest,
    receivedAt: r.receivedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    waitUntil: r.waitUntil?.toISOString() ?? null,
    summary: summarizeFields(fields ?? []),
  };
}

export type ListRunsInput = { userId: string; filter: RunFilter; cursor?: string | null; limit?: number };
export type ListRunsResult = { runs: RunListItem[]; nextCursor: string | null };

export async function listRuns(input: ListRunsInput): Promise<ListRunsResult> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const { where, params } = filterSql(input.userId, input.filter);
  const cursor = decodeCursor(input.cursor);
  let sql = `SELECT ${COLUMNS} FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId" WHERE ${where}`;
  if (cursor) {
    params.push(cursor.receivedAt.toISOString(), cursor.id);
    sql += ` AND (r."receivedAt", r.id) < ($${params.length - 1}::timestamp, $${params.length}::uuid)`;
  }
  params.push(limit + 1);
  sql += ` ORDER BY r."receivedAt" DESC, r.id DESC LIMIT $${params.length}`;
  const { rows } = await pool().query<Row>(sql, params);
  const page = rows.slice(0, limit).map(toItem);
  const last = page[page.length - 1];
  return {
    runs: page,
    nextCursor: rows.length > limit && last ? encodeCursor({ receivedAt: new Date(last.receivedAt), id: last.id }) : null,
  };
}

/**
 * For the live list: the current state of the runs on screen that were still in progress, and how
 * many runs matching the filter arrived after the newest one shown (the «Новых: 3» counter).
 */
export async function listRunUpdates(input: {
  userId: string;
  filter: RunFilter;
  ids: string[];
  /** Cursor of the newest row shown; null counts nothing. */
  newest?: string | null;
}): Promise<{ runs: RunListItem[]; newCount: number }> {
  const ids = input.ids.filter(isUuid).slice(0, 200);
  const newest = decodeCursor(input.newest);
  const [updated, counted] = await Promise.all([
    ids.length === 0
      ? Promise.resolve({ rows: [] as Row[] })
      : pool().query<Row>(
          `SELECT ${COLUMNS} FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId"
           WHERE r."userId" = $1::uuid AND r.id = ANY($2::uuid[])`,
          [input.userId, ids],
        ),
    newest
      ? (() => {
          const { where, params } = filterSql(input.userId, input.filter);
          params.push(newest.receivedAt.toISOString(), newest.id);
          // Capped: the badge says «99+», the database does not count a flood.
          return pool().query<{ n: number }>(
            `SELECT count(*)::int AS n FROM (SELECT 1 FROM "Run" r WHERE ${where}
               AND (r."receivedAt", r.id) > ($${params.length - 1}::timestamp, $${params.length}::uuid) LIMIT 100) x`,
            params,
          );
        })()
      : Promise.resolve({ rows: [{ n: 0 }] }),
  ]);
  return { runs: updated.rows.map(toItem), newCount: counted.rows[0]?.n ?? 0 };
}
