// One firing of a «По расписанию» source → at most one Run (docs/schedule.md). The run's id is a
// UUID v5 of (source id, scheduled time), inserted with ON CONFLICT DO NOTHING: a firing job that
// is retried (its worker died mid-job, the database was down) finds its run instead of making a
// second one. The run job's id is the run id, so enqueueing twice is a no-op too.
import { v5 } from "uuid";
import { pool } from "../pool";
import { enqueueRuns } from "../queue/run-queue";
import { searchTermsOf } from "../runs/search-terms";
import { sourcesOf, type PipelineDefinition } from "../definition/schema";

import { SCHEDULE_METHOD } from "./method";
export { SCHEDULE_METHOD };

/** The namespace of schedule run ids (a fixed random UUID). */
const RUN_ID_NAMESPACE = "6f1c2b9e-4d7a-4c3e-9a51-2e8f0b7d3c11";

/** RFC 4122 UUID version 5 (SHA-1 of namespace + name), from the `uuid` package. */
export const uuidV5 = (name: string, namespace: string = RUN_ID_NAMESPACE): string => v5(name, namespace);

export const scheduleRunId = (sourceId: string, scheduledFor: number) => uuidV5(`${sourceId}@${scheduledFor}`);

/** A scheduler's job id is "repeat:<scheduler id>:<scheduled ms>": the slot this firing is for. */
export function scheduledMillisOf(jobId: string | undefined): number | null {
  const m = /:(\d+)$/.exec(jobId ?? "");
  return m ? Number(m[1]) : null;
}

export type FiringResult = { status: "created" | "existing"; runId: string } | { status: "skipped"; reason: "pipeline-gone" | "not-running" | "source-gone" };

const INSERT_SQL = `
INSERT INTO "Run" (id, "pipelineId", "sourceId", "userId", version, status, method, query, headers,
                   "sizeBytes", payload, "searchTerms", "receivedAt")
VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, '{}', '{}', $7, $8::json, $9, $10)
ON CONFLICT (id) DO NOTHING
RETURNING id`;

/**
 * Makes the run of one firing and enqueues it. Skips (no run) when the pipeline is no longer
 * RUNNING or the source is gone: the scheduler is removed by the next reconcile.
 */
export async function fireSchedule(input: { pipelineId: string; sourceId: string; scheduledFor: number; now?: Date }): Promise<FiringResult> {
  const db = pool();
  const runId = scheduleRunId(input.sourceId, input.scheduledFor);
  const p = await db.query<{ userId: string; status: string; version: number; definition: PipelineDefinition }>(
    `SELECT "userId", status, version, definition FROM "Pipeline" WHERE id = $1`,
    [input.pipelineId],
  );
  const row = p.rows[0];
  if (!row) return { status: "skipped", reason: "pipeline-gone" };
  if (row.status !== "RUNNING") return { status: "skipped", reason: "not-running" };
  if (!sourcesOf(row.definition ?? {}, input.pipelineId).some((s) => s.id === input.sourceId && s.type === "schedule")) {
    return { status: "skipped", reason: "source-gone" };
  }
  const firedAt = input.now ?? new Date();
  const payload = { firedAt: firedAt.toISOString(), scheduledFor: new Date(input.scheduledFor).toISOString() };
  const json = JSON.stringify(payload);
  const inserted = await db.query(INSERT_SQL, [
    runId,
    input.pipelineId,
    input.sourceId,
    row.userId,
    row.version,
    SCHEDULE_METHOD,
    Buffer.byteLength(json),
    json,
    searchTermsOf(payload),
    firedAt,
  ]);
  if (inserted.rowCount === 1) {
    await enqueueRuns([runId]);
    return { status: "created", runId };
  }
  // A retried firing: the run exists. Enqueue it again only while it still waits for its first
  // job (the earlier attempt may have died between the INSERT and the enqueue).
  const existing = await db.query<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [runId]);
  if (existing.rows[0]?.status === "QUEUED") await enqueueRuns([runId]);
  return { status: "existing", runId };
}
