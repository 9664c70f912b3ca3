// The road not taken, kept for the comparison in `BENCH_DEDUP=1 npm run bench:ingest`
// (docs/dedup.md): the duplicate check folded into the ingest INSERT. One statement per micro-batch
// claims the batch's keys in "DedupKey" (ON CONFLICT, first of a batch wins) and inserts the runs
// as QUEUED or DUPLICATE. The key itself is computed in JS before the INSERT, which in the product
// would need the pipeline's key template before the token is resolved — i.e. a token → settings
// cache in the web process; the bench hands the template in directly.
import { createHash } from "node:crypto";
import type { IngestInput } from "../lib/webhooks/ingest";

export const FOLD_SQL = `
WITH v AS (
  SELECT * FROM json_to_recordset($1::json) AS v(
       id uuid, token text, method text, query json, headers jsonb, body json, "rawBody" text,
       "contentType" text, "sizeBytes" int, payload json, "rejectReason" text, "searchTerms" text[],
       "receivedAt" timestamp, "dedupKey" text)
), r AS (
  SELECT v.*, p.id AS "pipelineId", p."userId", p.version, p.status AS "pipelineStatus",
         COALESCE((p.definition #>> '{dedup,windowMinutes}')::int, 60) AS "windowMinutes",
         COALESCE((p.definition #>> '{dedup,enabled}')::boolean, false) AS "dedupOn"
  FROM v JOIN "Pipeline" p ON p."webhookToken" = v.token
), claim AS (
  INSERT INTO "DedupKey" AS d ("pipelineId", key, "runId", "seenAt", "expiresAt")
  SELECT DISTINCT ON ("pipelineId", "dedupKey") "pipelineId", "dedupKey", id, "receivedAt",
         "receivedAt" + make_interval(mins => "windowMinutes")
  FROM r WHERE "dedupOn" AND "dedupKey" IS NOT NULL AND "rejectReason" IS NULL AND "pipelineStatus" = 'RUNNING'
  ORDER BY "pipelineId", "dedupKey", "receivedAt", id
  ON CONFLICT ("pipelineId", key) DO UPDATE
    SET "runId" = EXCLUDED."runId", "seenAt" = EXCLUDED."seenAt", "expiresAt" = EXCLUDED."expiresAt"
    WHERE d."expiresAt" <= EXCLUDED."seenAt"
  RETURNING "runId"
)
INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, query, headers, body,
                   "rawBody", "contentType", "sizeBytes", payload, "rejectReason", "searchTerms", "receivedAt", "duplicateOfId")
SELECT r.id, r."pipelineId", r."userId", r.version,
       (CASE WHEN r."rejectReason" IS NOT NULL THEN 'REJECTED'
             WHEN r."pipelineStatus" <> 'RUNNING' THEN 'NOT_PROCESSED'
             WHEN r."dedupOn" AND r."dedupKey" IS NOT NULL AND c."runId" IS NULL THEN 'DUPLICATE'
             ELSE 'QUEUED' END)::"RunStatus",
       r.method, r.query, r.headers, r.body, r."rawBody", r."contentType", r."sizeBytes", r.payload,
       r."rejectReason", COALESCE(r."searchTerms", ARRAY[]::text[]), r."receivedAt",
       CASE WHEN r."dedupOn" AND r."dedupKey" IS NOT NULL AND c."runId" IS NULL
            THEN (SELECT d."runId" FROM "DedupKey" d WHERE d."pipelineId" = r."pipelineId" AND d.key = r."dedupKey") END
FROM r LEFT JOIN claim c ON c."runId" = r.id
RETURNING id, status`;

/** The bench's key template, {{source.appointment_id}}, hashed as lib/webhooks/dedup.ts does. */
export function foldRowFields(input: IngestInput): Record<string, unknown> {
  const id = (input.request.payload as Record<string, unknown> | null)?.appointment_id;
  if (typeof id !== "string" || id === "") return { dedupKey: null };
  return { dedupKey: createHash("sha256").update(`key\u0000${id}`).digest("hex") };
}
