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

/**
 * The reply the webhook sends its caller after the event is stored (docs/source-reply.md). Absent or
 * disabled = the default 200 {"ok":true,"runId":…}. The body may use {{source.…}} and {{runId}}.
 */
/** `{{runId}}` in a reply body: the id of the stored run. */
export const RUN_ID_TOKEN = /\{\{\s*runId\s*\}\}/g;
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const FORBIDDEN_REPLY_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer"]);
export const replySchema = z.object({
  enabled: z.boolean().default(false),
  status: z.number().int().min(200, "код ответа — от 200 до 599").max(599, "код ответа — от 200 до 599").default(200),
  headers: z
    .array(
      z.object({
        name: z
          .string()
          .regex(HEADER_NAME, "имя заголовка: латинские буквы, цифры и -")
          .refine((n) => !FORBIDDEN_REPLY_HEADERS.has(n.toLowerCase()), "этот заголовок ставит сервер"),
        value: z.string().max(1000).regex(/^[\x20-\x7e]*$/, "значение заголовка — одна строка латиницей, цифрами и знаками (кириллицу HTTP-заголовки не передают)"),
      }),
    )
    .max(20)
    .default([]),
  /** "json": the body is a JSON template; "text": plain text. */
  format: z.enum(["json", "text"]).default("json"),
  body: z.string().max(10_000).default(""),
});
export type ReplyConfig = z.infer<typeof replySchema>;

/**
 * Optional signature check of incoming requests (docs/source-signature.md): an HMAC of the raw body
 * in a header, or a shared secret in a header / query parameter. The secret is a «Ключи доступа»
 * entry named by `credential`. A failing request answers 401 and is stored as «Отклонён».
 */
export const signatureSchema = z.object({
  enabled: z.boolean().default(false),
  method: z.enum(["hmac-sha256", "hmac-sha1", "secret-header", "secret-query"]).default("hmac-sha256"),
  credential: z.string().max(200).default(""),
  /** Header carrying the signature or the secret (hmac-*, secret-header). */
  header: z.string().max(100).default(""),
  /** Query parameter carrying the secret (secret-query). */
  param: z.string().max(100).default(""),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  /** Text before the signature in the header, e.g. "sha256=". */
  prefix: z.string().max(50).default(""),
});
export type SignatureConfig = z.infer<typeof signatureSchema>;

/**
 * Ready-made sources (docs/tilda.md, docs/vk.md): "tilda" answers «ok» and records Tilda's
 * connection check (test=test) without executing it; "vk" answers VK Callback API's confirmation
 * request with `vk.confirmation`, every other event with «ok», and checks VK's `secret`.
 */
export const SOURCE_TYPES = ["webhook", "tilda", "vk"] as const;
export const vkSourceSchema = z.object({
  /** The string VK shows in «Строка, которую должен вернуть сервер». */
  confirmation: z.string().trim().max(100).regex(/^[A-Za-z0-9_-]*$/, "строка подтверждения VK — латинские буквы и цифры").default(""),
  /** A «Ключи доступа» entry holding the «Секретный ключ» set in VK; empty = not checked. */
  credential: z.string().max(200).default(""),
});
export type VkSourceConfig = z.infer<typeof vkSourceSchema>;

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
  sourceType: z.enum(SOURCE_TYPES).optional(),
  vk: vkSourceSchema.optional(),
  reply: replySchema.optional(),
  signature: signatureSchema.optional(),
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
