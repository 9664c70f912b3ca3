// «Хранилище» steps: find, save (set / increment / delete) and find-or-create. The storage itself
// arrives through ctx.store (lib/store/store-client.ts), bound to the run's account; this file stays
// browser-loadable for the editor's forms.
//
// «Хранилище: найти или создать» is find → (HTTP create) → save under a per-key lock: two runs that
// miss the same key at the same moment send the create request once; the second waits for the lock
// and then finds the saved value (docs/store.md).
import { z } from "zod";
import { ActionError, defineAction, type ActionContext, type StoreClient } from "./define-action";
import { onMissingSchema, whenConfig } from "./shared";
import { checkHttpBody, httpRequest, httpRequestForm, httpRequestShape, HTTP_ERROR_KINDS, type HttpRequestInput } from "./http-request";
import { checkJsonTemplate } from "../definition/placeholders";
import { evaluatePath } from "./json-parser";
import { parsePath } from "../definition/paths";
import { STORE_LIMITS } from "../definition/store-limits";

const collectionSchema = z.string().trim().min(1).max(STORE_LIMITS.collectionMaxChars);

/** A template; the rendered key is checked at run time (1–256 characters). */
const keySchema = z.string().trim().min(1).max(2000);

/** Minutes; empty = kept until deleted. */
const ttlMinutesSchema = z
  .number()
  .int()
  .min(1)
  .max(STORE_LIMITS.ttlMaxSeconds / 60)
  .optional();

function store(ctx: ActionContext): StoreClient {
  if (!ctx.store) throw new ActionError("Хранилище недоступно в этом режиме", "The store is not available here", "store_unavailable");
  return ctx.store;
}

const ttlSeconds = (minutes: number | undefined) => (minutes === undefined ? null : minutes * 60);

// ── find ─────────────────────────────────────────────────────────────────────────────────────

export const storeFindConfigSchema = z.object({
  collection: collectionSchema,
  key: keySchema,
  onMissing: onMissingSchema,
});

export const storeFind = defineAction({
  type: "store-find",
  sideEffects: "none",
  label: { ru: "Хранилище: найти", en: "Store: find" },
  description: {
    ru: "Ищет значение по ключу в Хранилище; «найдено» — да/нет",
    en: "Looks a key up in the Store; «found» is true/false",
  },
  icon: "database",
  configSchema: storeFindConfigSchema,
  form: { collection: { widget: "text" }, key: { widget: "placeholder" } },
  errors: [],
  defaultConfig: { collection: "", key: "", onMissing: "fail" },
  outputs: () => [
    { key: "found", label: { ru: "Найдено", en: "Found" } },
    { key: "value", label: { ru: "Значение", en: "Value" } },
  ],
  summary: (c) => `${c.collection} › ${c.key}`,
  resolve: (c, r) => ({ collection: c.collection, key: r.text(c.key, "key") }),
  run: async (input, ctx) => {
    const hit = await store(ctx).get(input.collection, input.key);
    return { output: hit ? { found: true, value: hit.value } : { found: false, value: null } };
  },
});

// ── save ─────────────────────────────────────────────────────────────────────────────────────

export const STORE_OPERATIONS = ["set", "increment", "delete"] as const;

export const storeSaveConfigSchema = z
  .object({
    operation: z.enum(STORE_OPERATIONS).default("set"),
    collection: collectionSchema,
    key: keySchema,
    /** JSON template; a single bare token keeps the value's type. */
    value: z.string().default(""),
    by: z.number().default(1),
    ttlMinutes: ttlMinutesSchema,
    onMissing: onMissingSchema,
  })
  .superRefine((c, ctx) => {
    if (c.operation !== "set") return;
    if (c.value.trim() === "") {
      ctx.addIssue({ code: "custom", path: ["value"], message: "обязательное поле", params: { en: "required" } });
      return;
    }
    const err = checkJsonTemplate(c.value, "value");
    if (err) ctx.addIssue({ code: "custom", path: ["value"], message: err.message, params: { en: err.messageEn } });
  });

type StoreSaveInput =
  | { operation: "set"; collection: string; key: string; value: unknown; ttlSeconds: number | null }
  | { operation: "increment"; collection: string; key: string; by: number; ttlSeconds: number | null }
  | { operation: "delete"; collection: string; key: string };

const OPERATION_LABEL = { set: "=", increment: "+", delete: "✕" } as const;

export const storeSave = defineAction({
  type: "store-save",
  sideEffects: "external",
  label: { ru: "Хранилище: сохранить", en: "Store: save" },
  description: {
    ru: "Записывает, увеличивает или удаляет значение в Хранилище",
    en: "Sets, increments or deletes a value in the Store",
  },
  icon: "database",
  configSchema: storeSaveConfigSchema,
  form: {
    collection: { widget: "text" },
    key: { widget: "placeholder" },
    value: { widget: "json", when: whenConfig("operation", "set") },
    by: { when: whenConfig("operation", "increment") },
    ttlMinutes: { when: whenConfig("operation", "set", "increment") },
  },
  errors: [],
  defaultConfig: { operation: "set", collection: "", key: "", value: "", by: 1, onMissing: "fail" },
  outputs: (c) =>
    c.operation === "delete" ? [{ key: "deleted", label: { ru: "Удалено", en: "Deleted" } }] : [{ key: "value", label: { ru: "Значение", en: "Value" } }],
  summary: (c) =>
    c.operation === "increment"
      ? `${c.collection} › ${c.key} + ${c.by}`
      : `${c.collection} › ${c.key} ${OPERATION_LABEL[c.operation]}${c.operation === "set" ? " " + oneLine(c.value) : ""}`,
  resolve: (c, r): StoreSaveInput => {
    const key = r.text(c.key, "key");
    if (c.operation === "delete") return { operation: "delete", collection: c.collection, key };
    if (c.operation === "increment") return { operation: "increment", collection: c.collection, key, by: c.by, ttlSeconds: ttlSeconds(c.ttlMinutes) };
    return { operation: "set", collection: c.collection, key, value: r.json(c.value, "value") ?? null, ttlSeconds: ttlSeconds(c.ttlMinutes) };
  },
  run: async (input, ctx) => {
    const s = store(ctx);
    if (input.operation === "delete") return { output: { deleted: await s.delete(input.collection, input.key) } };
    if (input.operation === "increment") return { output: { value: await s.increment(input.collection, input.key, input.by, input.ttlSeconds) } };
    await s.set(input.collection, input.key, input.value, input.ttlSeconds);
    return { output: { value: input.value } };
  },
});

// ── find or create ───────────────────────────────────────────────────────────────────────────

export const storeFindOrCreateConfigSchema = z
  .object({
    collection: collectionSchema,
    key: keySchema,
    ...httpRequestShape,
    /** Where the created record's id is in the response body, e.g. ["contact"]["id"]. */
    valuePath: z
      .string()
      .trim()
      .min(1)
      .refine(isPath, {
        message: 'неверный путь: используйте ["contact"]["id"] или contact.id',
        params: { en: 'invalid path: use ["contact"]["id"] or contact.id' },
      }),
    ttlMinutes: ttlMinutesSchema,
  })
  .superRefine(checkHttpBody);

function isPath(p: string): boolean {
  if (p.startsWith("$")) return true;
  try {
    parsePath(p);
    return true;
  } catch {
    return false;
  }
}

type FindOrCreateInput = { collection: string; key: string; request: HttpRequestInput; valuePath: string; ttlSeconds: number | null };

export const storeFindOrCreate = defineAction({
  type: "store-find-or-create",
  sideEffects: "external",
  label: { ru: "Хранилище: найти или создать", en: "Store: find or create" },
  description: {
    ru: "Берёт значение из Хранилища, а если ключа нет — создаёт запись запросом и сохраняет её id (без дублей)",
    en: "Takes the value from the Store; if the key is missing, creates the record with a request and saves its id (no duplicates)",
  },
  icon: "database",
  configSchema: storeFindOrCreateConfigSchema,
  form: { collection: { widget: "text" }, key: { widget: "placeholder" }, ...httpRequestForm, valuePath: { widget: "text" } },
  errors: HTTP_ERROR_KINDS,
  defaultConfig: {
    collection: "",
    key: "",
    ...httpRequest.defaultConfig,
    valuePath: '["id"]',
  },
  outputs: () => [
    { key: "value", label: { ru: "Значение", en: "Value" } },
    { key: "found", label: { ru: "Найдено", en: "Found" } },
    { key: "created", label: { ru: "Создано", en: "Created" } },
  ],
  summary: (c) => `${c.collection} › ${c.key} · ${c.method} ${c.url.replace(/^https?:\/\//i, "")}`,
  resolve: (c, r): FindOrCreateInput => ({
    collection: c.collection,
    key: r.text(c.key, "key"),
    request: httpRequest.resolve(c, r),
    valuePath: c.valuePath,
    ttlSeconds: ttlSeconds(c.ttlMinutes),
  }),
  run: async (input, ctx) =>
    store(ctx).withLock(input.collection, input.key, async (locked) => {
      const hit = await locked.get();
      if (hit) return { output: { value: hit.value, found: true, created: false } };
      const created = await httpRequest.run(input.request, ctx);
      const body = created.output.body;
      const { found, value } = evaluatePath(body, input.valuePath);
      if (!found || value === null || value === "" || typeof value === "object") {
        throw new ActionError(
          `Запись создана, но в ответе нет значения по пути ${input.valuePath} — проверьте путь. Ответ: ${excerpt(body)}`,
          `The record was created, but the response has no value at ${input.valuePath} — check the path. Response: ${excerpt(body)}`,
          "missing",
          created.attempts,
        );
      }
      await locked.set(value, input.ttlSeconds);
      return { output: { value, found: false, created: true }, attempts: created.attempts };
    }),
});

function oneLine(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > 60 ? s.slice(0, 59) + "…" : s;
}

function excerpt(body: unknown): string {
  const s = typeof body === "string" ? body : (JSON.stringify(body) ?? "");
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}
