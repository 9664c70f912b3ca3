// Conditions of «Фильтр» and «Условие»: rows «поле — оператор — значение» in groups. All rows of a
// group must hold (И); the step passes when any group holds (ИЛИ) — the same shape as Make's and
// Zapier's filters. Pure and browser-loadable.
//
// Typed comparison: `type` "auto" compares as numbers when both sides read as numbers
// ("1 500,00" = 1500), as dates when both read as dates ("30.11.2026 14:30", ISO), else as text.
// "number"/"date" force the kind (a side that does not read as one makes the row false).
import { z } from "zod";
import { parseNumber, toText } from "./placeholders";

export const CONDITION_OPS = ["eq", "ne", "contains", "not_contains", "empty", "not_empty", "gt", "gte", "lt", "lte", "regex", "in"] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export const UNARY_OPS: ReadonlySet<ConditionOp> = new Set(["empty", "not_empty"]);

export const OP_LABELS: Record<ConditionOp, { ru: string; en: string }> = {
  eq: { ru: "равно", en: "equals" },
  ne: { ru: "не равно", en: "does not equal" },
  contains: { ru: "содержит", en: "contains" },
  not_contains: { ru: "не содержит", en: "does not contain" },
  empty: { ru: "пусто", en: "is empty" },
  not_empty: { ru: "не пусто", en: "is not empty" },
  gt: { ru: "больше", en: "greater than" },
  gte: { ru: "больше или равно", en: "at least" },
  lt: { ru: "меньше", en: "less than" },
  lte: { ru: "меньше или равно", en: "at most" },
  regex: { ru: "регулярное выражение", en: "matches regex" },
  in: { ru: "одно из", en: "one of" },
};

export const conditionRowSchema = z
  .object({
    /** A token, usually: {{source.status}}. */
    left: z.string().trim().min(1).max(2000),
    op: z.enum(CONDITION_OPS).default("eq"),
    /** Text with tokens; for «одно из» the values one per line (or separated by commas). */
    right: z.string().max(5000).default(""),
    type: z.enum(["auto", "string", "number", "date"]).default("auto"),
    /** Text comparisons ignore letter case unless set. */
    caseSensitive: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.op === "regex") {
      try {
        new RegExp(c.right);
      } catch {
        ctx.addIssue({ code: "custom", path: ["right"], message: "неверное регулярное выражение", params: { en: "invalid regular expression" } });
      }
      if (c.right.length > 500) ctx.addIssue({ code: "custom", path: ["right"], message: "не длиннее 500 символов", params: { en: "at most 500 characters" } });
    }
  });
export type ConditionRow = z.output<typeof conditionRowSchema>;

export const conditionGroupSchema = z.object({ conditions: z.array(conditionRowSchema).min(1).max(30) });
export type ConditionGroup = z.output<typeof conditionGroupSchema>;

export const conditionGroupsSchema = z.array(conditionGroupSchema).min(1).max(10);

/** A row after its tokens were resolved (what the history shows as the step's input). */
export type ResolvedRow = { left: unknown; op: ConditionOp; right: string; type: ConditionRow["type"]; caseSensitive: boolean };

const DATE_RU = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DATE_ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Moscow (UTC+3, no DST since 2014) is the default zone of dates written without one. */
export const MOSCOW_OFFSET_MIN = 180;

export function parseDate(value: unknown, offsetMin = MOSCOW_OFFSET_MIN): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== "string") return null;
  const s = value.trim();
  const m = DATE_RU.exec(s);
  if (m) {
    const [, d, mo, y, h = "0", mi = "0", se = "0"] = m;
    const t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se) - offsetMin * 60_000;
    return Number.isNaN(t) ? null : t;
  }
  if (DATE_ISO.test(s)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) && s.length > 10;
    const norm = s.replace(" ", "T");
    if (hasZone) {
      const t = Date.parse(norm);
      return Number.isNaN(t) ? null : t;
    }
    const t = Date.parse(norm.length === 10 ? `${norm}T00:00:00Z` : `${norm}Z`);
    return Number.isNaN(t) ? null : t - offsetMin * 60_000;
  }
  return null;
}

function asNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") return parseNumber(v);
  return null;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.trim() === "";
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

function compare(row: ResolvedRow, right: string): number | null {
  const { left, type } = row;
  if (type === "number" || type === "auto") {
    const a = asNumber(left);
    const b = asNumber(right);
    if (a !== null && b !== null) return a === b ? 0 : a < b ? -1 : 1;
    if (type === "number") return null;
  }
  if (type === "date" || type === "auto") {
    const a = parseDate(left);
    const b = parseDate(right);
    if (a !== null && b !== null) return a === b ? 0 : a < b ? -1 : 1;
    if (type === "date") return null;
  }
  const a = norm(toText(left), row.caseSensitive);
  const b = norm(right, row.caseSensitive);
  return a === b ? 0 : a < b ? -1 : 1;
}

function norm(s: string, caseSensitive: boolean): string {
  const t = s.trim();
  return caseSensitive ? t : t.toLocaleLowerCase("ru");
}

export function splitList(text: string): string[] {
  return text
    .split(text.includes("\n") ? /\r?\n/ : /,/)
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

export function evaluateRow(row: ResolvedRow): boolean {
  switch (row.op) {
    case "empty":
      return isEmpty(row.left);
    case "not_empty":
      return !isEmpty(row.left);
    case "eq":
      return compare(row, row.right) === 0;
    case "ne": {
      const c = compare(row, row.right);
      return c === null || c !== 0;
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const c = compare(row, row.right);
      if (c === null) return false;
      return row.op === "gt" ? c > 0 : row.op === "gte" ? c >= 0 : row.op === "lt" ? c < 0 : c <= 0;
    }
    case "contains":
    case "not_contains": {
      const hay = Array.isArray(row.left) ? row.left.map((x) => norm(toText(x), row.caseSensitive)) : null;
      const needle = norm(row.right, row.caseSensitive);
      const has = hay ? hay.includes(needle) : norm(toText(row.left), row.caseSensitive).includes(needle);
      return row.op === "contains" ? has : !has;
    }
    case "regex": {
      try {
        return new RegExp(row.right, row.caseSensitive ? "u" : "iu").test(toText(row.left));
      } catch {
        return false;
      }
    }
    case "in":
      return splitList(row.right).some((v) => compare(row, v) === 0);
  }
}

/** ИЛИ over groups, И inside a group. */
export function evaluateGroups(groups: { conditions: ResolvedRow[] }[]): boolean {
  return groups.some((g) => g.conditions.every(evaluateRow));
}

type RowResolver = { value(template: string, field: string): unknown; text(template: string, field: string): string };

/** Resolves each row's tokens: the left side keeps its type (a bare token), the right is text. */
export function resolveGroups(groups: ConditionGroup[], r: RowResolver, prefix: string): { conditions: ResolvedRow[] }[] {
  return groups.map((g, gi) => ({
    conditions: g.conditions.map((c, ci) => ({
      left: r.value(c.left, `${prefix}[${gi}][${ci}].left`),
      op: c.op,
      right: UNARY_OPS.has(c.op) ? "" : r.text(c.right, `${prefix}[${gi}][${ci}].right`),
      type: c.type,
      caseSensitive: c.caseSensitive,
    })),
  }));
}

/** «status ≠ отменена и …» — for node summaries. */
export function summarizeGroups(groups: ConditionGroup[], lang: "ru" | "en" = "ru"): string {
  const and = lang === "ru" ? " и " : " and ";
  const or = lang === "ru" ? " или " : " or ";
  return groups
    .map((g) =>
      g.conditions
        .map((c) => {
          const left = c.left.replace(/^\{\{\s*(?:source\.)?([^}|]+?)\s*(?:\|[^}]*)?\}\}$/, "$1");
          return UNARY_OPS.has(c.op) ? `${left} ${OP_LABELS[c.op][lang]}` : `${left} ${OP_LABELS[c.op][lang]} ${c.right}`;
        })
        .join(and),
    )
    .join(or);
}
