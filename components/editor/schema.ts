// Reads an action's zod config schema into form fields: the form is driven by the same schema
// the API and the worker validate with, plus the action's own display hints (its `form`: widgets,
// visibility — declared with the action in lib/actions/).
import type { z } from "zod";

export type FieldKind =
  | { kind: "string" }
  | { kind: "number"; min?: number; max?: number; int: boolean }
  | { kind: "boolean" }
  | { kind: "enum"; options: string[] }
  | { kind: "rows"; columns: { key: string; kind: "string" | "enum"; options?: string[]; optional: boolean }[] }
  | { kind: "unknown" };

type Def = {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  shape?: Record<string, z.ZodType>;
  checks?: unknown[];
};
const defOf = (s: z.ZodType) => (s as unknown as { def: Def }).def;

function unwrap(s: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let cur = s;
  let optional = false;
  for (;;) {
    const d = defOf(cur);
    if ((d.type === "default" || d.type === "optional" || d.type === "nullable" || d.type === "prefault") && d.innerType) {
      if (d.type === "optional") optional = true;
      cur = d.innerType;
    } else return { schema: cur, optional };
  }
}

export function fieldKind(s: z.ZodType): FieldKind {
  const { schema } = unwrap(s);
  const d = defOf(schema);
  switch (d.type) {
    case "string":
      return { kind: "string" };
    case "boolean":
      return { kind: "boolean" };
    case "number": {
      const bag = schema as unknown as { minValue?: number | null; maxValue?: number | null; isInt?: boolean };
      return { kind: "number", min: bag.minValue ?? undefined, max: bag.maxValue ?? undefined, int: Boolean(bag.isInt) };
    }
    case "enum":
      return { kind: "enum", options: Object.values(d.entries ?? {}) };
    case "array": {
      const el = d.element ? unwrap(d.element).schema : undefined;
      const shape = el ? defOf(el).shape : undefined;
      if (!shape) return { kind: "unknown" };
      return {
        kind: "rows",
        columns: Object.entries(shape).map(([key, col]) => {
          const u = unwrap(col);
          const k = fieldKind(col);
          return k.kind === "enum" ? { key, kind: "enum", options: k.options, optional: u.optional } : { key, kind: "string", optional: u.optional };
        }),
      };
    }
    default:
      return { kind: "unknown" };
  }
}

export function schemaFields(schema: z.ZodType): { key: string; field: FieldKind }[] {
  const shape = defOf(unwrap(schema).schema).shape;
  if (!shape) return [];
  return Object.entries(shape).map(([key, s]) => ({ key, field: fieldKind(s) }));
}

/** A new row for a rows field: each column's empty value (enums take their first option). */
export function emptyRow(columns: { key: string; kind: string; options?: string[]; optional: boolean }[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (const c of columns) if (!c.optional) row[c.key] = c.kind === "enum" ? (c.options?.[0] ?? "") : "";
  return row;
}
