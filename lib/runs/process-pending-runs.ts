// Runs received while a pipeline was stopped are stored NOT_PROCESSED (never dropped); processing
// them turns them QUEUED in place — they are the original requests, not re-runs. They execute the
// pipeline's CURRENT version: the pipeline did not run them when they came, and whoever processes
// the backlog now expects today's definition (usually the reason it was stopped was a fix).
import { pool } from "../db";
import { enqueueRuns } from "../queue/run-queue";
import { isUuid } from "../uuid";

/** Null when the pipeline is not this user's. `runIds` limits it to some of the pipeline's runs. */
export async function processPendingRuns(input: {
  userId: string;
  pipelineId: string;
  runIds?: string[];
}): Promise<{ count: number; runIds: string[] } | null> {
  if (!isUuid(input.pipelineId)) return null;
  const p = await pool().query(`SELECT 1 FROM "Pipeline" WHERE id = $1::uuid AND "userId" = $2::uuid`, [input.pipelineId, input.userId]);
  if (p.rowCount === 0) return null;
  const params: unknown[] = [input.pipelineId, input.userId];
  let only = "";
  if (input.runIds) {
    params.push(input.runIds.filter(isUuid));
    only = `AND r.id = ANY($3::uuid[])`;
  }
  const { rows } = await pool().query<{ id: string; receivedAt: Date }>(
    `UPDATE "Run" r SET status = 'QUEUED', version = p.version
     FROM "Pipeline" p
     WHERE p.id = r."pipelineId" AND r."pipelineId" = $1::uuid AND r."userId" = $2::uuid
       AND r.status = 'NOT_PROCESSED' ${only}
     RETURNING r.id, r."receivedAt"`,
    params,
  );
  // Oldest first: the backlog is processed in the order it arrived.
  const runIds = rows.sort((a, b) => +a.receivedAt - +b.receivedAt).map((r) => r.id);
  for (let i = 0; i < runIds.length; i += 1000) {
    await enqueueRuns(runIds.slice(i, i + 1000)).catch((err) =>
      console.error(`[runs] enqueue of pending runs failed, left to the sweeper: ${(err as Error).message}`),
    );
  }
  return { count: runIds.length, runIds };
}
