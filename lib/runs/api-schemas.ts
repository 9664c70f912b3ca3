// Request shapes of the history endpoints (docs/api.md «History endpoints»).
import { z } from "zod";
import { runFilterSchema } from "./run-filter";

export const rerunSchema = z.object({
  from: z.enum(["start", "failed-step"]).default("start"),
  version: z.enum(["original", "current"]).default("original"),
});

export const rerunBulkSchema = rerunSchema.extend({
  // Nested: the filter's `from` (a time) and the re-run's `from` (a step) must not collide.
  filter: runFilterSchema.default({}),
  includeRerun: z.boolean().default(false),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const progressSchema = z.object({ runIds: z.array(z.string()).max(1000) });

export const processPendingSchema = z.object({ runIds: z.array(z.string()).max(10_000).optional() });

/** The list filter from a URL's query string (status may repeat or be comma-separated). */
export function filterFromSearchParams(sp: URLSearchParams) {
  const status = sp.getAll("status");
  return runFilterSchema.parse({
    pipelineId: sp.get("pipelineId") || undefined,
    sourceId: sp.get("sourceId") || undefined,
    status: status.length ? status.join(",") : undefined,
    from: sp.get("from") || undefined,
    to: sp.get("to") || undefined,
    q: sp.get("q") || undefined,
  });
}
