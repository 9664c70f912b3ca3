// «По расписанию» sources (docs/schedule.md): what a schedule means — its checks with messages
// that name the editor's labels, and the BullMQ repeat options it becomes (an `every` interval, or
// a cron pattern with a time zone for daily/weekly). Pure: shared by the editor, the API and the
// worker.
import { z } from "zod";

type Localized = { ru: string; en: string };

/** "HH:MM", 00:00 … 23:59. */
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

export const DEFAULT_TIMEZONE = "Europe/Moscow";
export const INTERVAL_MINUTES = { min: 1, max: 10_080 } as const;
export const SCHEDULE_KINDS = ["interval", "daily", "weekly"] as const;

/** The labels the editor shows (messages/<locale>/editor.json "schedule" says the same). */
export const SCHEDULE_LABELS = {
  kind: { ru: "Как часто", en: "How often" },
  minutes: { ru: "Каждые, минут", en: "Every, minutes" },
  time: { ru: "Время", en: "Time" },
  weekdays: { ru: "Дни недели", en: "Days of the week" },
  timezone: { ru: "Часовой пояс", en: "Time zone" },
} satisfies Record<string, Localized>;
export type ScheduleField = keyof typeof SCHEDULE_LABELS;

export type ScheduleProblem = { field: ScheduleField | null; message: Localized };

/** True for an IANA zone this runtime knows ("Europe/Moscow", "Asia/Yekaterinburg", "UTC"). */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every problem of a source's raw `schedule` value (as typed in the editor or sent to the API).
 * Empty = it parses with scheduleSchema and means a real schedule.
 */
export function scheduleProblems(raw: unknown): ScheduleProblem[] {
  if (raw === undefined || raw === null) {
    return [{ field: null, message: { ru: "настройте расписание: как часто запускать", en: "set up the schedule: how often to run" } }];
  }
  if (typeof raw !== "object" || Array.isArray(raw))
    return [{ field: null, message: { ru: "неверные настройки расписания", en: "invalid schedule settings" } }];
  const s = raw as Record<string, unknown>;
  const out: ScheduleProblem[] = [];
  const push = (field: ScheduleField, ru: string, en: string) => out.push({ field, message: { ru, en } });
  if (!SCHEDULE_KINDS.includes(s.kind as never)) {
    push("kind", "выберите: каждые N минут, ежедневно или еженедельно", "choose: every N minutes, daily or weekly");
    return out;
  }
  if (s.kind === "interval") {
    const m = s.minutes;
    if (typeof m !== "number" || !Number.isInteger(m) || m < INTERVAL_MINUTES.min || m > INTERVAL_MINUTES.max) {
      push(
        "minutes",
        `целое число от ${INTERVAL_MINUTES.min} до ${INTERVAL_MINUTES.max} (неделя)`,
        `a whole number from ${INTERVAL_MINUTES.min} to ${INTERVAL_MINUTES.max} (a week)`,
      );
    }
  } else {
    if (typeof s.time !== "string" || !HH_MM.test(s.time)) push("time", "укажите время в виде ЧЧ:ММ, например 09:30", "enter the time as HH:MM, e.g. 09:30");
    if (s.kind === "weekly") {
      const d = s.weekdays;
      if (!Array.isArray(d) || d.length === 0) push("weekdays", "отметьте хотя бы один день", "tick at least one day");
      else if (d.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 1 || x > 7) || new Set(d).size !== d.length) {
        push("weekdays", "дни — от понедельника до воскресенья, каждый один раз", "days from Monday to Sunday, each once");
      }
    }
  }
  if (s.timezone !== undefined && (typeof s.timezone !== "string" || !isTimeZone(s.timezone))) {
    push(
      "timezone",
      `неизвестный часовой пояс «${String(s.timezone).slice(0, 64)}», например Europe/Moscow`,
      `unknown time zone "${String(s.timezone).slice(0, 64)}", e.g. Europe/Moscow`,
    );
  }
  return out;
}

/** BullMQ repeat options: `every` (ms) for an interval, a cron `pattern` + `tz` otherwise. */
export type RepeatSpec = { every: number } | { pattern: string; tz: string };

/**
 * The repeat options of a (valid) schedule. `minuteMs` is 60 000 except in tests
 * (SCHEDULE_TEST_MINUTE_MS, see scheduleMinuteMs).
 */
export function repeatOptions(s: ScheduleConfig, minuteMs = 60_000): RepeatSpec {
  if (s.kind === "interval") return { every: s.minutes * minuteMs };
  const [h, m] = s.time.split(":").map(Number);
  const tz = s.timezone || DEFAULT_TIMEZONE;
  if (s.kind === "daily") return { pattern: `${m} ${h} * * *`, tz };
  // Ours: 1 = Monday … 7 = Sunday (ISO); cron: 0 = Sunday … 6 = Saturday.
  const days = [...new Set(s.weekdays.map((d) => d % 7))].sort((a, b) => a - b);
  return { pattern: `${m} ${h} * * ${days.join(",")}`, tz };
}

/** One minute of an interval schedule in ms: 60 000, or SCHEDULE_TEST_MINUTE_MS under NODE_ENV=test. */
export function scheduleMinuteMs(e: { NODE_ENV: string; SCHEDULE_TEST_MINUTE_MS?: number }): number {
  if (e.SCHEDULE_TEST_MINUTE_MS === undefined) return 60_000;
  if (e.NODE_ENV !== "test") {
    throw new Error("SCHEDULE_TEST_MINUTE_MS is for tests only: it is refused unless NODE_ENV=test (unset it)");
  }
  return e.SCHEDULE_TEST_MINUTE_MS;
}

const WEEKDAY_SHORT: Record<"ru" | "en", string[]> = {
  ru: ["пн", "вт", "ср", "чт", "пт", "сб", "вс"],
  en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

/** A schedule in words: «каждые 15 мин», «ежедневно в 09:00 (Europe/Moscow)». */
export function describeSchedule(s: ScheduleConfig, locale: "ru" | "en" = "ru"): string {
  const tz = s.timezone || DEFAULT_TIMEZONE;
  if (s.kind === "interval") return locale === "ru" ? `каждые ${s.minutes} мин` : `every ${s.minutes} min`;
  if (s.kind === "daily") return locale === "ru" ? `ежедневно в ${s.time} (${tz})` : `daily at ${s.time} (${tz})`;
  const days = [...new Set(s.weekdays)]
    .sort((a, b) => a - b)
    .map((d) => WEEKDAY_SHORT[locale][d - 1])
    .join(", ");
  return locale === "ru" ? `по дням (${days}) в ${s.time} (${tz})` : `on ${days} at ${s.time} (${tz})`;
}

/** Schedule settings of a "schedule" source (their semantics: docs/schedule.md, below). */
const timezoneSchema = z
  .string()
  .max(64, "«Часовой пояс» — не длиннее 64 символов")
  .refine(isTimeZone, "«Часовой пояс» — неизвестный часовой пояс, например Europe/Moscow")
  .default("Europe/Moscow");
const timeSchema = z.string().regex(HH_MM, "«Время» — в виде ЧЧ:ММ, например 09:30");
const MINUTES = "«Каждые, минут» — целое число от 1 до 10080";
export const scheduleSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("interval"), minutes: z.number(MINUTES).int(MINUTES).min(1, MINUTES).max(10080, MINUTES), timezone: timezoneSchema }),
    z.object({ kind: z.literal("daily"), time: timeSchema, timezone: timezoneSchema }),
    z.object({
      kind: z.literal("weekly"),
      weekdays: z
        .array(z.number().int().min(1, "«Дни недели» — от 1 (пн) до 7 (вс)").max(7, "«Дни недели» — от 1 (пн) до 7 (вс)"))
        .min(1, "«Дни недели» — отметьте хотя бы один день")
        .max(7, "«Дни недели» — каждый день один раз"),
      time: timeSchema,
      timezone: timezoneSchema,
    }),
  ],
  { error: "«Как часто» — каждые N минут, ежедневно или по дням недели" },
);
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
