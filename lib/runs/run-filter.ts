// The filter of the История операций, shared by the list, the «new runs» counter and bulk re-run,
// so "all failed in the last day" means the same rows on the screen and in the bulk action.
import { z } from "zod";
import { searchTermsFor } from "./search-terms";
import { isUuid } from "../uuid";

export const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "REJECTED", "NOT_PROCESSED", "FILTERED", "WAITING", "DUPLICATE"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(z.enum(RUN_STATUSES)));

const date = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: "неверная дата (ожидается ISO 8601)" });
    return z.NEVER;
  }
  return d;
});

export const runFilterSchema = z.object({
  pipelineId: z.string().refine(isUuid, "pipelineId: неверный id").optional(),
  /** One source's runs (docs/sources.md). */
  sourceId: z.string().refine(isUuid, "sourceId: неверный id").optional(),
  status: statusList.optional(),
  from: date.optional(),
  to: date.optional(),
  q: z.string().max(200).optional(),
});
export type RunFilterInput = z.input<typeof runFilterSchema>;
export type RunFilter = z.output<typeof runFilterSchema>;

/** Builds the WHERE clause (alias r) for a user's runs; values go in as parameters from `start`. */
export function filterSql(userId: string, f: RunFilter, start = 1): { where: string; params: unknown[] } {
  const params: unknown[] = [userId];
  const cond = [`r."userId" = $${start}::uuid`];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    cond.push(sql(`$${start + params.length - 1}`));
  };
  if (f.pipelineId) add((n) => `r."pipelineId" = ${n}::uuid`, f.pipelineId);
  // A run from before several sources (sourceId null) came from its pipeline's first source,
  // whose id is the pipeline's id (RUN_SOURCE_ID).
  if (f.sourceId) add((n) => `(r."sourceId" = ${n}::uuid OR (r."sourceId" IS NULL AND r."pipelineId" = ${n}::uuid))`, f.sourceId);
  if (f.status && f.status.length > 0) add((n) => `r.status = ANY(${n}::"RunStatus"[])`, f.status);
  // Stored timestamps are UTC wall-clock values (timestamp without time zone).
  if (f.from) add((n) => `r."receivedAt" >= ${n}::timestamp`, f.from.toISOString());
  if (f.to) add((n) => `r."receivedAt" < ${n}::timestamp`, f.to.toISOString());
  const terms = f.q ? searchTermsFor(f.q) : [];
  // Terms live in "RunSearch" (the request's and the step outputs', docs/history.md). `@>` / `&&`
  // (not `= ANY`) so that its GIN index answers it; `&&` when a Russian phone has two stored
  // forms (search-terms.ts).
  if (terms.length === 1) add((n) => `EXISTS (SELECT 1 FROM "RunSearch" s WHERE s."runId" = r.id AND s.terms @> ARRAY[${n}::text])`, terms[0]);
  else if (terms.length > 1) add((n) => `EXISTS (SELECT 1 FROM "RunSearch" s WHERE s."runId" = r.id AND s.terms && ${n}::text[])`, terms);
  return { where: cond.join(" AND "), params };
}

/** The source a run came from, in SQL (alias r): old runs have none recorded = the first source. */
export const RUN_SOURCE_ID = `COALESCE(r."sourceId", r."pipelineId")`;

export type Cursor = { receivedAt: Date; id: string };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.receivedAt.toISOString()}|${c.id}`).toString("base64url");
}

/** Null for anything that is not a cursor this module made. */
export function decodeCursor(s: string | null | undefined): Cursor | null {
  if (!s) return null;
  const [iso, id] = Buffer.from(s, "base64url").toString("utf8").split("|");
  const receivedAt = new Date(iso ?? "");
  if (!id || !isUuid(id) || Number.isNaN(receivedAt.getTime())) return null;
  return { receivedAt, id };
}
