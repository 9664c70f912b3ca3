// Flow-control steps: «Фильтр», «Условие», «Задержка». Each is an ordinary action (same registry,
// forms, history); the engine reads its output (ActionDefinition.flow) to decide where the run goes.
import { z } from "zod";
import { ActionError, defineAction } from "./define-action";
import { conditionGroupsSchema, evaluateGroups, resolveGroups, summarizeGroups } from "../definition/conditions";
import { toText } from "../definition/placeholders";
import { whenConfig } from "./shared";

const conditionsOnMissing = z.enum(["empty", "fail"]).default("empty");

// ── «Фильтр» ───────────────────────────────────────────────────────────────────────────────────────
export const filterConfigSchema = z.object({
  groups: conditionGroupsSchema,
  /** A field without a value reads as empty (so «пусто» works); "fail" stops the run instead. */
  onMissing: conditionsOnMissing,
});

export const filterAction = defineAction({
  type: "filter",
  sideEffects: "none",
  flow: "filter",
  label: { ru: "Фильтр", en: "Filter" },
  description: {
    ru: "Пропускает дальше только подходящие события; остальные — «Отфильтровано»",
    en: "Lets only matching events through; the rest end as “Filtered”",
  },
  icon: "filter",
  configSchema: filterConfigSchema,
  form: { groups: { widget: "conditions" } },
  errors: [],
  defaultConfig: { groups: [{ conditions: [{ left: "", op: "eq", right: "", type: "auto", caseSensitive: false }] }], onMissing: "empty" },
  outputs: () => [{ key: "passed", label: { ru: "Прошло фильтр", en: "Passed" } }],
  summary: (c) => summarizeGroups(c.groups),
  resolve: (c, r) => ({ groups: resolveGroups(c.groups, r, "groups") }),
  run: async (input) => ({ output: { passed: evaluateGroups(input.groups) } }),
});

// ── «Условие» ──────────────────────────────────────────────────────────────────────────────────────
export const ELSE_BRANCH = "else";

export const branchSchema = z.object({
  /** Stable key the edges use: "b1", "b2", … */
  key: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .refine((k) => k !== ELSE_BRANCH, { message: "ключ «else» занят веткой «Иначе»", params: { en: 'key "else" is taken by the Otherwise branch' } }),
  name: z.string().trim().min(1).max(80),
  groups: conditionGroupsSchema,
});

export const conditionConfigSchema = z
  .object({
    branches: z.array(branchSchema).min(1).max(10),
    elseName: z.string().trim().max(80).default("Иначе"),
    onMissing: conditionsOnMissing,
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.branches.forEach((b, i) => {
      if (seen.has(b.key))
        ctx.addIssue({
          code: "custom",
          path: ["branches", i, "key"],
          message: `ветка «${b.key}» повторяется`,
          params: { en: `branch "${b.key}" is repeated` },
        });
      seen.add(b.key);
    });
  });
export type ConditionConfig = z.output<typeof conditionConfigSchema>;

export const conditionAction = defineAction({
  type: "condition",
  sideEffects: "none",
  flow: "branch",
  label: { ru: "Условие", en: "Condition" },
  description: {
    ru: "Ведёт событие по первой подходящей ветке или по «Иначе»",
    en: "Sends the event down the first matching branch, or “Otherwise”",
  },
  icon: "branch",
  configSchema: conditionConfigSchema,
  form: { branches: { widget: "branches" }, elseName: { widget: "text" } },
  errors: [],
  defaultConfig: {
    branches: [{ key: "b1", name: "Ветка 1", groups: [{ conditions: [{ left: "", op: "eq", right: "", type: "auto", caseSensitive: false }] }] }],
    elseName: "Иначе",
    onMissing: "empty",
  },
  outputs: () => [
    { key: "branch", label: { ru: "Ветка (ключ)", en: "Branch (key)" } },
    { key: "branchName", label: { ru: "Ветка", en: "Branch" } },
  ],
  branches: (c) => [...c.branches.map((b) => ({ key: b.key, label: b.name })), { key: ELSE_BRANCH, label: c.elseName || { ru: "Иначе", en: "Otherwise" } }],
  summary: (c) => c.branches.map((b) => `${b.name}: ${summarizeGroups(b.groups)}`).join(" · "),
  resolve: (c, r) => ({
    branches: c.branches.map((b, i) => ({ key: b.key, name: b.name, groups: resolveGroups(b.groups, r, `branches[${i}].groups`) })),
    elseName: c.elseName || "Иначе",
  }),
  run: async (input) => {
    for (const b of input.branches) if (evaluateGroups(b.groups)) return { output: { branch: b.key, branchName: b.name } };
    return { output: { branch: ELSE_BRANCH, branchName: input.elseName } };
  },
});

// ── «Задержка» ─────────────────────────────────────────────────────────────────────────────────────
const UNIT_MS = { seconds: 1_000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const unitSchema = z.enum(["seconds", "minutes", "hours", "days"]);
/** Longest wait: 90 days (a reminder a season ahead); longer is almost surely a wrong field. */
export const MAX_DELAY_MS = 90 * UNIT_MS.days;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const delayConfigSchema = z
  .object({
    mode: z.enum(["fixed", "until"]).default("fixed"),
    amount: z.number().min(0).max(100_000).default(1),
    unit: unitSchema.default("hours"),
    /** "until": text with tokens giving a date and time, e.g. "{{source.date}} {{source.time}}". */
    at: z.string().max(500).default(""),
    offsetAmount: z.number().min(0).max(100_000).default(0),
    offsetUnit: unitSchema.default("hours"),
    offsetDirection: z.enum(["before", "after"]).default("before"),
    /** Zone of a date/time written without one. */
    timezone: z
      .string()
      .max(64)
      .default("Europe/Moscow")
      .refine(validZone, { message: "неизвестный часовой пояс", params: { en: "unknown time zone" } }),
    onMissing: z.enum(["empty", "fail"]).default("fail"),
  })
  .superRefine((c, ctx) => {
    if (c.mode === "fixed" && c.amount * UNIT_MS[c.unit] > MAX_DELAY_MS)
      ctx.addIssue({ code: "custom", path: ["amount"], message: "не дольше 90 дней", params: { en: "at most 90 days" } });
    if (c.mode === "until" && c.at.trim() === "") ctx.addIssue({ code: "custom", path: ["at"], message: "обязательное поле", params: { en: "required" } });
  });
export type DelayConfig = z.output<typeof delayConfigSchema>;

/** Minutes east of UTC of `zone` at the instant `utcMs`. */
export function zoneOffsetMin(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

const WALL_RU = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const WALL_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A point in time from text: "30.11.2026 14:30", "2026-11-30 14:30", ISO with a zone, or Unix
 * seconds/milliseconds. Without a zone the wall time is read in `zone`. null when unreadable.
 */
export function parseMoment(text: string, zone: string): number | null {
  const s = text.trim().replace(/\s+/g, " ");
  if (/^\d{9,13}$/.test(s)) return s.length > 11 ? Number(s) : Number(s) * 1000;
  let y: number,
    mo: number,
    d: number,
    h = 0,
    mi = 0,
    se = 0,
    ms = 0;
  let explicit: string | undefined;
  let m = WALL_RU.exec(s);
  if (m) [d, mo, y, h, mi, se] = [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
  else if ((m = WALL_ISO.exec(s))) {
    [y, mo, d, h, mi, se] = [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
    ms = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
    explicit = m[8];
  } else return null;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  if (explicit) {
    if (explicit === "Z") return wall;
    const sign = explicit[0] === "-" ? -1 : 1;
    const digits = explicit.slice(1).replace(":", "");
    return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  // The zone's offset at the guessed instant; once more in case the guess crossed a DST change.
  let guess = wall - zoneOffsetMin(zone, wall) * 60_000;
  guess = wall - zoneOffsetMin(zone, guess) * 60_000;
  return guess;
}

/** «14:30» or «01.12 14:30» in the zone — what the history shows for a waiting run. */
export function formatMoment(utcMs: number, zone = "Europe/Moscow", now = Date.now()): string {
  const fmt = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat("ru-RU", { timeZone: zone, ...o }).format(new Date(utcMs));
  const day = (t: number) => new Intl.DateTimeFormat("ru-RU", { timeZone: zone, dateStyle: "short" }).format(new Date(t));
  return day(utcMs) === day(now) ? fmt({ hour: "2-digit", minute: "2-digit" }) : fmt({ day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
}

type DelayInput = { mode: "fixed"; ms: number; timezone: string } | { mode: "until"; at: string; offsetMs: number; timezone: string };

export const delayAction = defineAction({
  type: "delay",
  sideEffects: "none",
  flow: "delay",
  label: { ru: "Задержка", en: "Delay" },
  description: {
    ru: "Ждёт заданное время или до момента из полей (напоминание за час до записи)",
    en: "Waits a fixed time or until a moment taken from fields",
  },
  icon: "clock",
  configSchema: delayConfigSchema,
  form: {
    amount: { when: whenConfig("mode", "fixed") },
    unit: { when: whenConfig("mode", "fixed") },
    at: { widget: "placeholder", when: whenConfig("mode", "until") },
    offsetAmount: { when: whenConfig("mode", "until") },
    offsetUnit: { when: whenConfig("mode", "until") },
    offsetDirection: { when: whenConfig("mode", "until") },
    timezone: { widget: "text" },
    onMissing: { when: whenConfig("mode", "until") },
  },
  errors: [],
  defaultConfig: {
    mode: "fixed",
    amount: 1,
    unit: "hours",
    at: "",
    offsetAmount: 0,
    offsetUnit: "hours",
    offsetDirection: "before",
    timezone: "Europe/Moscow",
    onMissing: "fail",
  },
  outputs: () => [{ key: "until", label: { ru: "Ждать до", en: "Wait until" } }],
  summary: (c) => {
    const units = { seconds: "с", minutes: "мин", hours: "ч", days: "дн" } as const;
    if (c.mode === "fixed") return `ждать ${c.amount} ${units[c.unit]}`;
    const at = c.at.replace(/\{\{\s*(?:source\.)?([^}|]+?)\s*(?:\|[^}]*)?\}\}/g, "$1");
    const off = c.offsetAmount > 0 ? `${c.offsetAmount} ${units[c.offsetUnit]} ${c.offsetDirection === "before" ? "до" : "после"} ` : "";
    return `ждать ${off}${at}`;
  },
  resolve: (c, r): DelayInput =>
    c.mode === "fixed"
      ? { mode: "fixed", ms: Math.round(c.amount * UNIT_MS[c.unit]), timezone: c.timezone }
      : {
          mode: "until",
          at: toText(r.text(c.at, "at")),
          offsetMs: (c.offsetDirection === "before" ? -1 : 1) * Math.round(c.offsetAmount * UNIT_MS[c.offsetUnit]),
          timezone: c.timezone,
        },
  run: async (input, ctx) => {
    const now = ctx.now?.() ?? Date.now();
    let until: number;
    if (input.mode === "fixed") until = now + input.ms;
    else {
      const at = parseMoment(input.at, input.timezone);
      if (at === null) {
        const shown = input.at.trim() === "" ? "пустое" : `«${input.at.slice(0, 60)}»`;
        throw new ActionError(
          `Поле «Ждать до»: значение ${shown} не является датой и временем (пример: 30.11.2026 14:30 или 2026-11-30 14:30)`,
          `Field "Wait until": ${input.at.trim() === "" ? "empty" : `"${input.at.slice(0, 60)}"`} is not a date and time (e.g. 2026-11-30 14:30)`,
          "bad_date",
        );
      }
      until = at + input.offsetMs;
    }
    if (until - now > MAX_DELAY_MS) {
      throw new ActionError("Задержка дольше 90 дней: проверьте дату", "The delay is longer than 90 days: check the date", "delay_too_long");
    }
    return { output: { until: new Date(until).toISOString(), untilText: formatMoment(until, input.timezone, now) } };
  },
});
