// The shape of a pipeline definition (stored in Pipeline.definition and PipelineVersion.definition).
// Action-specific config is validated by the action registry (lib/actions/registry.ts).
import { z } from "zod";
import { v4 } from "uuid";
import { HH_MM, scheduleSchema, type ScheduleConfig } from "./schedule";

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
        value: z
          .string()
          .max(1000)
          .regex(/^[\x20-\x7e]*$/, "значение заголовка — одна строка латиницей, цифрами и знаками (кириллицу HTTP-заголовки не передают)"),
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
  confirmation: z
    .string()
    .trim()
    .max(100)
    .regex(/^[A-Za-z0-9_-]*$/, "строка подтверждения VK — латинские буквы и цифры")
    .default(""),
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
  branch: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
});
export type EdgeDefinition = z.infer<typeof edgeSchema>;

export { HH_MM, scheduleSchema, type ScheduleConfig };

/** Kinds of source an обработка may have (docs/sources.md). "schedule" has no URL. */
export const SOURCE_KINDS = ["webhook", "tilda", "vk", "schedule"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const MAX_SOURCES = 20;

/** One source of an обработка: its own URL (Source.token, outside versions), fields and settings. */
export const sourceSchema = z.object({
  /** = Source.id; a definition without `sources` has one source whose id is the pipeline's id. */
  id: z.uuid("источник: неверный id"),
  name: z.string().trim().min(1, "у источника должно быть название").max(80, "название источника — не длиннее 80 символов"),
  type: z.enum(SOURCE_KINDS).default("webhook"),
  /** Fields captured with «Получить» from this source's requests. */
  fields: z.array(sourceFieldSchema).max(2000).optional(),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
  reply: replySchema.optional(),
  signature: signatureSchema.optional(),
  dedup: dedupSchema.optional(),
  vk: vkSourceSchema.optional(),
  schedule: scheduleSchema.optional(),
});
export type SourceDefinition = z.infer<typeof sourceSchema>;

export const definitionSchema = z.object({
  /**
   * The sources (1..20). Absent = one webhook source built from the top-level sourceFields,
   * sourceType, reply, signature, dedup, vk (every definition saved before several sources reads
   * this way: the migration happens at read time, see sourcesOf).
   */
  sources: z
    .array(sourceSchema)
    .min(1, "нужен хотя бы один источник")
    .max(MAX_SOURCES, `не больше ${MAX_SOURCES} источников`)
    .refine((list) => new Set(list.map((s) => s.id)).size === list.length, "у двух источников один id")
    .optional(),
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

export const emptyDefinition = (sourceId: string = newSourceId()): PipelineDefinition => ({
  sources: [{ id: sourceId, name: DEFAULT_SOURCE_NAME, type: "webhook", fields: [] }],
  sourceFields: [],
  steps: [],
});

/** A random v4 UUID (the uuid package: works in the browser on plain http, where crypto.randomUUID does not). */
export const newSourceId = (): string => v4();

/** The name of the one source of a definition saved before several sources. */
export const DEFAULT_SOURCE_NAME = "Вебхук";

/**
 * The definition's sources. A definition without `sources` has one, built from the top-level
 * fields; its id is the pipeline's id (the data migration gave that pipeline's Source row this
 * id), or `legacyId` when the caller has no pipeline id at hand.
 */
export function sourcesOf(
  def: Pick<PipelineDefinition, "sources" | "sourceFields" | "sourceType" | "reply" | "signature" | "dedup" | "vk">,
  pipelineId: string = LEGACY_SOURCE_ID,
): SourceDefinition[] {
  if (def.sources && def.sources.length > 0) return def.sources;
  return [
    {
      id: pipelineId,
      name: DEFAULT_SOURCE_NAME,
      type: def.sourceType ?? "webhook",
      fields: def.sourceFields ?? [],
      ...(def.reply ? { reply: def.reply } : {}),
      ...(def.signature ? { signature: def.signature } : {}),
      ...(def.dedup ? { dedup: def.dedup } : {}),
      ...(def.vk ? { vk: def.vk } : {}),
    },
  ];
}

/**
 * The same definition with its sources written out (the editor works on this form): an old
 * definition's top-level source settings move into its one source.
 */
export function withSources(def: PipelineDefinition, pipelineId: string): PipelineDefinition {
  if (def.sources && def.sources.length > 0) return def;
  const { sourceType: _t, reply: _r, signature: _s, dedup: _d, vk: _v, ...rest } = def;
  return { ...rest, sources: sourcesOf(def, pipelineId), sourceFields: [] };
}

/** Stands for "the pipeline's id" when sourcesOf is called without one. */
export const LEGACY_SOURCE_ID = "00000000-0000-4000-8000-000000000000";

/**
 * The source a run came from: by id; a run from before several sources (sourceId null) came from
 * the source whose id is the pipeline's. A source no longer in `def` falls back to the first.
 */
export function sourceOfRun(def: Parameters<typeof sourcesOf>[0], sourceId: string | null | undefined, pipelineId?: string): SourceDefinition {
  return sourceIn(sourcesOf(def, pipelineId), sourceId, pipelineId);
}

/** sourceOfRun on a source list already built (the worker keeps one per definition). */
export function sourceIn(list: readonly SourceDefinition[], sourceId: string | null | undefined, pipelineId?: string): SourceDefinition {
  const id = sourceId ?? pipelineId;
  return (id ? list.find((s) => s.id === id) : undefined) ?? list[0];
}

/**
 * What steps read as `source`: the request's fields, plus `name` = the source's name when the
 * обработка has several sources (so «Условие» can branch on it). A request field called `name`
 * wins: a form's «name» keeps meaning what it always meant.
 */
export function sourceScope(payload: unknown, sourceName: string, sourceCount: number): unknown {
  if (sourceCount < 2 || payload === null || typeof payload !== "object" || Array.isArray(payload)) return payload;
  if (Object.prototype.hasOwnProperty.call(payload, "name")) return payload;
  return { ...(payload as Record<string, unknown>), name: sourceName };
}

/** Fields a step may pick from `source`: every source's captured fields (deduplicated by path). */
export function allSourceFields(def: Parameters<typeof sourcesOf>[0]): SourceField[] {
  const list = sourcesOf(def);
  if (list.length === 1) return list[0].fields ?? [];
  const seen = new Map<string, SourceField>();
  for (const s of list) for (const f of s.fields ?? []) if (!seen.has(f.path)) seen.set(f.path, f);
  return [...seen.values()];
}

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
