// «JSON-парсер»: picks values out of a JSON document into named outputs.
//
// Paths: Webjack's bracket form `["contact"]["id"]`, dot form `contact.id` / `items[0].id`
// (resolved by lib/definition/paths.ts), or JSONPath starting with `$` (`$.contact.id`,
// `$.items[*].id`) evaluated by jsonpath-plus with script evaluation disabled.
//
// Output keys: each row may carry an explicit `key` (the editor stores one when the row is
// created, so renaming the label does not break later steps' tokens); without it the key is a
// transliterated slug of the name: «id контакта» → "id_kontakta", «Сумма» → "summa".
import { z } from "zod";
import { fieldName } from "./field-labels";
import { JSONPath } from "jsonpath-plus";
import { ActionError, defineAction, type FormRow } from "./define-action";
import { onMissingSchema } from "./shared";
import { getByPath, parsePath } from "../definition/paths";

export const parserOutputSchema = z.object({
  name: z.string().trim().min(1),
  path: z
    .string()
    .trim()
    .min(1)
    .refine((p) => p.startsWith("$") || isPlainPath(p), {
      message: 'неверный путь: используйте ["contact"]["id"], contact.id или $.contact.id',
      params: { en: 'invalid path: use ["contact"]["id"], contact.id or $.contact.id' },
    }),
  key: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/, "ключ: латинские буквы, цифры и _")
    .optional(),
});

function isPlainPath(p: string): boolean {
  try {
    parsePath(p);
    return true;
  } catch {
    return false;
  }
}

export const jsonParserConfigSchema = z
  .object({
    /** A token: an earlier step's output or a source field holding JSON (text is parsed). */
    input: z.string().trim().min(1),
    outputs: z.array(parserOutputSchema).min(1),
    onMissing: onMissingSchema,
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.outputs.forEach((o, i) => {
      const key = outputKey(o);
      if (seen.has(key))
        ctx.addIssue({
          code: "custom",
          path: ["outputs", i, "name"],
          message: `ключ «${key}» повторяется — переименуйте поле`,
          params: { en: `key "${key}" is repeated — rename the field` },
        });
      seen.add(key);
    });
  });

export type JsonParserConfig = z.output<typeof jsonParserConfigSchema>;

const TRANSLIT: Record<string, string> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
};

/** Stable ASCII key for an output name. */
export function slugifyOutputName(name: string): string {
  const t = [...name.toLowerCase()].map((ch) => TRANSLIT[ch] ?? ch).join("");
  const slug = t
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60);
  return slug || "value";
}

export function outputKey(o: { name: string; key?: string }): string {
  return o.key ?? slugifyOutputName(o.name);
}

/**
 * The form's hook for an output row whose name was just set: its key is fixed then (unique among
 * the rows), so renaming the label later does not break placeholders later steps already hold.
 */
export function fixOutputKey(rows: readonly FormRow[], index: number): readonly FormRow[] {
  const row = rows[index];
  if (!row || row.key || !row.name?.trim()) return rows;
  const taken = new Set(rows.filter((_, n) => n !== index).map((r) => outputKey({ name: r.name ?? "", key: r.key || undefined })));
  let key = slugifyOutputName(row.name);
  for (let k = 2; taken.has(key); k++) key = `${slugifyOutputName(row.name)}_${k}`;
  return rows.map((r, n) => (n === index ? { ...r, key } : r));
}

export type JsonParserInput = {
  json: unknown;
  outputs: { key: string; name: string; path: string }[];
  onMissing: "empty" | "fail";
};

// `$.contact.id`, `$.items[0].id`: names and indexes only — by far the common JSONPath. Walked
// directly (jsonpath-plus costs ~30 µs per call, a tenth of a 3-step run's engine time); anything
// else, or a walk that meets a string or number on the way, goes to jsonpath-plus, so the answer
// is always the library's (lib/actions/json-parser.test.ts compares the two).
const SIMPLE_JSONPATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+$/;
const simplePaths = new Map<string, string[] | null>();

function simpleSegments(path: string): string[] | null {
  let segs = simplePaths.get(path);
  if (segs === undefined) {
    segs = SIMPLE_JSONPATH.test(path) ? (path.slice(1).match(/[A-Za-z_][A-Za-z0-9_]*|\d+/g) ?? null) : null;
    if (simplePaths.size >= 1000) simplePaths.clear();
    simplePaths.set(path, segs);
  }
  return segs;
}

function jsonPathPlus(json: object, path: string): { found: boolean; value: unknown } {
  const value = JSONPath({ path, json, wrap: false, eval: false });
  return value === undefined ? { found: false, value: undefined } : { found: true, value };
}

export function evaluatePath(json: unknown, path: string): { found: boolean; value: unknown } {
  if (path.startsWith("$")) {
    if (json === null || typeof json !== "object") return { found: false, value: undefined };
    const segs = simpleSegments(path);
    if (!segs) return jsonPathPlus(json, path);
    let cur: unknown = json;
    for (const seg of segs) {
      if (cur === null || typeof cur !== "object") return jsonPathPlus(json, path);
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[seg];
    }
    return { found: true, value: cur };
  }
  return getByPath(json, path);
}

export const jsonParser = defineAction({
  type: "json-parser",
  sideEffects: "none",
  label: { ru: "JSON-парсер", en: "JSON parser" },
  description: { ru: "Достаёт значения из JSON по путям", en: "Extracts values from JSON by paths" },
  icon: "search-code",
  configSchema: jsonParserConfigSchema,
  form: {
    input: { widget: "placeholder" },
    outputs: { plainColumns: ["name", "path"], hiddenColumns: ["key"], completeRow: fixOutputKey },
  },
  errors: [],
  defaultConfig: { input: "", outputs: [{ name: "id", path: '["id"]' }], onMissing: "fail" },
  outputs: (c) => c.outputs.map((o) => ({ key: outputKey(o), label: o.name })),
  summary: (c) => c.outputs.map((o) => `${o.name} ← ${o.path}`).join(", "),
  resolve: (c, r): JsonParserInput => {
    let json = r.value(c.input, fieldName("input"));
    if (typeof json === "string") {
      const text: string = json;
      try {
        json = JSON.parse(text);
      } catch {
        const excerpt = text.length > 100 ? text.slice(0, 100) + "…" : text;
        throw new ActionError(
          `Поле ${fieldName("input")}: значение не является JSON: ${excerpt}`,
          `Field "JSON (take from)": the value is not JSON: ${excerpt}`,
          "invalid_json",
        );
      }
    }
    return { json, outputs: c.outputs.map((o) => ({ key: outputKey(o), name: o.name, path: o.path })), onMissing: r.onMissing };
  },
  run: async (input) => {
    const output: Record<string, unknown> = {};
    for (const o of input.outputs) {
      let r: { found: boolean; value: unknown };
      try {
        r = evaluatePath(input.json, o.path);
      } catch (e) {
        throw new ActionError(
          `Поле «${o.name}»: путь ${o.path} не вычисляется (${(e as Error).message})`,
          `Field "${o.name}": path ${o.path} cannot be evaluated (${(e as Error).message})`,
          "bad_path",
        );
      }
      if (!r.found) {
        if (input.onMissing === "fail")
          throw new ActionError(`Поле «${o.name}»: по пути ${o.path} ничего нет`, `Field "${o.name}": nothing at path ${o.path}`, "missing");
        output[o.key] = "";
      } else output[o.key] = r.value;
    }
    return { output };
  },
});
