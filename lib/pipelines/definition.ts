// The shape of a pipeline definition (stored in Pipeline.definition and PipelineVersion.definition).
// Action-specific config is validated by the action registry (lib/actions/registry.ts).
import { z } from "zod";

export const sourceFieldSchema = z.object({
  /** Path into the run's `source` payload, e.g. "client_phone" or "contact.emails[0]". */
  path: z.string().min(1).max(500),
  /** An example value from the captured request (shown in the field picker). */
  example: z.string().max(500).optional(),
  type: z.enum(["string", "number", "boolean", "object", "array", "null"]).optional(),
});
export type SourceField = z.infer<typeof sourceFieldSchema>;

export const stepSchema = z.object({
  /** Stable id (e.g. "s_ab12cd"); tokens reference it as {{steps.<id>.<key>}}. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "step id: letters, digits, _ or -"),
  type: z.string().min(1).max(60),
  name: z.string().max(200).default(""),
  config: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});
export type StepDefinition = z.infer<typeof stepSchema>;

/** Deduplication of incoming events (docs/dedup.md): same key within the window → «Дубликат». */
export const DEDUP_WINDOW_MINUTES = { min: 1, max: 30 * 24 * 60 } as const;
export const dedupSchema = z.object({
  enabled: z.boolean().default(false),
  /** "key": the rendered `key` template; "request": a hash of the whole request (method, query, body). */
  by: z.enum(["key", "request"]).default("key"),
  /** e.g. "{{source.appointment_id}}"; may combine several fields. */
  key: z.string().max(500).default(""),
  windowMinutes: z.number().int().min(DEDUP_WINDOW_MINUTES.min).max(DEDUP_WINDOW_MINUTES.max).default(60),
});
export type DedupConfig = z.infer<typeof dedupSchema>;

export const definitionSchema = z.object({
  sourceFields: z.array(sourceFieldSchema).max(2000).default([]),
  /** Canvas position of the source node. */
  sourcePosition: z.object({ x: z.number(), y: z.number() }).optional(),
  steps: z.array(stepSchema).max(200).default([]),
  dedup: dedupSchema.optional(),
});
export type PipelineDefinition = z.infer<typeof definitionSchema>;

export const emptyDefinition = (): PipelineDefinition => ({ sourceFields: [], steps: [] });
