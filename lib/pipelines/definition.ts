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

/** "source" (the received request) or a step id. */
export const SOURCE_NODE = "source";

export const edgeSchema = z.object({
  from: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  to: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  /** Set on edges leaving an «Условие»: the branch key ("b1", …) or "else". */
  branch: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
});
export type EdgeDefinition = z.infer<typeof edgeSchema>;

export const definitionSchema = z.object({
  sourceFields: z.array(sourceFieldSchema).max(2000).default([]),
  /** Canvas position of the source node. */
  sourcePosition: z.object({ x: z.number(), y: z.number() }).optional(),
  /** In an order where every edge goes forward (the engine walks them in this order). */
  steps: z.array(stepSchema).max(200).default([]),
  /**
   * The graph. Absent = a straight chain source → steps[0] → steps[1] → … (every definition saved
   * before branching existed reads this way: the migration happens at read time, see edgesOf).
   */
  edges: z.array(edgeSchema).max(1000).optional(),
  dedup: dedupSchema.optional(),
});
export type PipelineDefinition = z.infer<typeof definitionSchema>;

export const emptyDefinition = (): PipelineDefinition => ({ sourceFields: [], steps: [] });

/** The chain a definition without `edges` means. */
export function chainEdges(steps: readonly { id: string }[]): EdgeDefinition[] {
  const out: EdgeDefinition[] = [];
  let prev = SOURCE_NODE;
  for (const s of steps) {
    out.push({ from: prev, to: s.id });
    prev = s.id;
  }
  return out;
}

/** The definition's edges; a linear (pre-graph) definition gets its chain. */
export function edgesOf(def: { steps: readonly { id: string }[]; edges?: EdgeDefinition[] }): EdgeDefinition[] {
  return def.edges ?? chainEdges(def.steps);
}

/** True when the graph is the plain chain (the common, cheapest case). */
export function isLinear(def: { steps: readonly { id: string }[]; edges?: EdgeDefinition[] }): boolean {
  if (!def.edges) return true;
  if (def.edges.length !== def.steps.length) return false;
  const chain = chainEdges(def.steps);
  return chain.every((e, i) => def.edges![i].from === e.from && def.edges![i].to === e.to && !def.edges![i].branch);
}

/**
 * Every step's ancestors (steps that come before it on some path from the source). Tokens of a
 * step may read only these. Steps are in topological order, so one pass is enough.
 */
export function ancestorsOf(def: { steps: readonly { id: string }[]; edges?: EdgeDefinition[] }): Map<string, Set<string>> {
  const incoming = new Map<string, string[]>();
  for (const e of edgesOf(def)) {
    const list = incoming.get(e.to);
    if (list) list.push(e.from);
    else incoming.set(e.to, [e.from]);
  }
  const out = new Map<string, Set<string>>();
  for (const s of def.steps) {
    const set = new Set<string>();
    for (const from of incoming.get(s.id) ?? []) {
      if (from === SOURCE_NODE) continue;
      set.add(from);
      for (const a of out.get(from) ?? []) set.add(a);
    }
    out.set(s.id, set);
  }
  return out;
}
