// «JSON Компоновщик»: builds a JSON value from a template or from typed key/value rows.
import { z } from "zod";
import { defineAction } from "./define-action";
import { whenConfig } from "./shared";
import { checkJsonTemplate, OMITTED, problemOf } from "../definition/placeholders";
import { fieldName } from "./field-labels";
import { onMissingSchema } from "./shared";

export const composerFieldSchema = z.object({
  key: z.string().trim().min(1),
  /** Text with tokens; exactly one token keeps its value's type under "auto". */
  value: z.string().default(""),
  type: z.enum(["auto", "string", "number", "boolean", "json"]).default("auto"),
});

export const jsonComposerConfigSchema = z
  .object({
    mode: z.enum(["template", "fields"]).default("template"),
    template: z.string().default("{}"),
    fields: z.array(composerFieldSchema).default([]),
    onMissing: onMissingSchema,
  })
  .superRefine((c, ctx) => {
    if (c.mode === "template") {
      const err = checkJsonTemplate(c.template, fieldName("template"));
      if (err) ctx.addIssue({ code: "custom", path: ["template"], message: problemOf(err).ru, params: { en: problemOf(err).en } });
    } else {
      const seen = new Set<string>();
      c.fields.forEach((f, i) => {
        if (seen.has(f.key))
          ctx.addIssue({
            code: "custom",
            path: ["fields", i, "key"],
            message: `ключ «${f.key}» повторяется`,
            params: { en: `key "${f.key}" is repeated` },
          });
        seen.add(f.key);
      });
    }
  });

export type JsonComposerConfig = z.output<typeof jsonComposerConfigSchema>;

export const jsonComposer = defineAction({
  type: "json-composer",
  sideEffects: "none",
  label: { ru: "JSON Компоновщик", en: "JSON composer" },
  description: {
    ru: "Собирает JSON из полей источника и результатов предыдущих шагов",
    en: "Builds JSON from source fields and earlier steps' outputs",
  },
  icon: "braces",
  configSchema: jsonComposerConfigSchema,
  form: {
    template: { widget: "json", when: whenConfig("mode", "template") },
    fields: { when: whenConfig("mode", "fields"), plainColumns: ["key"] },
  },
  errors: [],
  defaultConfig: { mode: "template", template: "{\n  \n}", fields: [], onMissing: "fail" },
  outputs: () => [{ key: "result", label: { ru: "Результат", en: "Result" } }],
  summary: (c) => (c.mode === "fields" ? `{ ${c.fields.map((f) => f.key).join(", ")} }` : oneLine(c.template)),
  resolve: (c, r) => {
    if (c.mode === "template") return { result: r.json(c.template, fieldName("template")) };
    const result: Record<string, unknown> = {};
    for (const f of c.fields) {
      const v = r.value(f.value, f.key, f.type === "auto" ? undefined : f.type);
      // `| omitEmpty` left the value out: the key is left out too.
      if (v !== OMITTED) result[f.key] = v;
    }
    return { result };
  },
  run: async (input) => ({ output: { result: input.result } }),
});

function oneLine(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}
