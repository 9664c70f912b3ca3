// Duplicate incoming events (docs/dedup.md). Checked by the worker before the first step — not in
// the ingest INSERT — so the webhook fast path is unchanged whether deduplication is on or off
// (bench numbers in docs/dedup.md). The check is ONE statement:
//
//   INSERT INTO "DedupKey" … ON CONFLICT DO UPDATE … WHERE the old key expired (or is this run's)
//
// The primary key (pipelineId, key) makes it atomic: of two runs with the same key, exactly one
// claims it, whichever worker gets there first; the other is marked DUPLICATE with duplicateOfId.
// A re-delivered run (worker crash) finds its own claim and goes on.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { DedupConfig } from "../definition/schema";
import { renderText, TemplateError } from "../definition/placeholders";

/** Stable JSON (sorted object keys) so the same request hashes the same however it was encoded. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/**
 * The hashed key of a run, or null when the run carries none (the key's fields are missing or
 * empty): such a run is never treated as a duplicate.
 */
export function dedupKeyOf(cfg: DedupConfig, run: { method: string; payload: unknown }): string | null {
  let text: string;
  if (cfg.by === "request") text = `${run.method}\u0000${stable(run.payload)}`;
  else {
    try {
      text = renderText(cfg.key, { source: run.payload, steps: {}, credentials: {} }, { field: "dedup.key", onMissing: "empty" });
    } catch (e) {
      if (e instanceof TemplateError) return null;
      throw e;
    }
    if (text.trim() === "") return null;
    text = `key\u0000${text}`;
  }
  return createHash("sha256").update(text).digest("hex");
}

const CLAIM_SQL = `
WITH claim AS (
  INSERT INTO "DedupKey" AS d ("pipelineId", key, "runId", "seenAt", "expiresAt")
  VALUES ($1::uuid, $2, $3::uuid, $4::timestamp, $4::timestamp + make_interval(mins => $5::int))
  ON CONFLICT ("pipelineId", key) DO UPDATE
    SET "runId" = EXCLUDED."runId", "seenAt" = EXCLUDED."seenAt", "expiresAt" = EXCLUDED."expiresAt"
    WHERE d."runId" = EXCLUDED."runId" OR d."expiresAt" <= EXCLUDED."seenAt"
  RETURNING "runId"
)
SELECT (SELECT "runId" FROM claim) AS mine,
       (SELECT "runId" FROM "DedupKey" WHERE "pipelineId" = $1::uuid AND key = $2) AS holder`;

/** Claims the key for `runId`; returns the original run's id when the key is held by another run. */
export async function claimDedupKey(
  db: Pick<pg.Pool, "query">,
  input: { pipelineId: string; key: string; runId: string; receivedAt: Date; windowMinutes: number },
): Promise<string | null> {
  const r = await db.query<{ mine: string | null; holder: string | null }>(CLAIM_SQL, [
    input.pipelineId,
    input.key,
    input.runId,
    input.receivedAt.toISOString(),
    input.windowMinutes,
  ]);
  const row = r.rows[0];
  if (row?.mine) return null;
  if (row?.holder) return row.holder;
  // The holder committed while this statement ran: its row is newer than the statement's snapshot.
  const again = await db.query<{ runId: string }>(`SELECT "runId" FROM "DedupKey" WHERE "pipelineId" = $1::uuid AND key = $2`, [input.pipelineId, input.key]);
  return again.rows[0]?.runId ?? null;
}

/** Marks a run DUPLICATE (only while it is still QUEUED/RUNNING). */
export async function markDuplicate(db: Pick<pg.Pool, "query">, runId: string, originalId: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE "Run" SET status = 'DUPLICATE', "duplicateOfId" = $2::uuid, "finishedAt" = $3::timestamp,
            "startedAt" = COALESCE("startedAt", $3::timestamp), "durationMs" = 0, attempts = GREATEST(attempts, 1)
      WHERE id = $1::uuid AND status IN ('QUEUED', 'RUNNING')`,
    [runId, originalId, at.toISOString()],
  );
}

/** Removes expired keys (the worker's maintenance timer). */
export async function pruneDedupKeys(db: Pick<pg.Pool, "query">, batchSize = 5000): Promise<number> {
  const r = await db.query(
    `DELETE FROM "DedupKey" WHERE ctid IN (
       SELECT ctid FROM "DedupKey" WHERE "expiresAt" <= (now() AT TIME ZONE 'UTC') LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    [batchSize],
  );
  return r.rowCount ?? 0;
}
