// Schedule semantics: repeat options BullMQ gets, when they fire (computed by BullMQ's own repeat
// strategy), the checks with their labelled messages, the test-only minute.
import { describe, expect, it } from "vitest";
import { defaultRepeatStrategy } from "bullmq";
import { describeSchedule, repeatOptions, scheduleMinuteMs, scheduleProblems } from "../definition/schedule";
import { scheduleIssuesOf, validateDefinition } from "../actions/registry";
import { scheduleRunId, scheduledMillisOf, uuidV5 } from "./fire";
import { definitionSchema, scheduleSchema, type ScheduleConfig } from "../definition/schema";

const sched = (v: unknown) => scheduleSchema.parse(v) as ScheduleConfig;
/** The next firing after `from` as BullMQ computes it for a cron scheduler. */
const nextAfter = (s: ScheduleConfig, from: string) => {
  const r = repeatOptions(s);
  if (!("pattern" in r)) throw new Error("not a cron schedule");
  return new Date(defaultRepeatStrategy(new Date(from).getTime(), r as never) as number).toISOString();
};

describe("repeat options", () => {
  it("an interval is `every` N minutes", () => {
    expect(repeatOptions(sched({ kind: "interval", minutes: 15 }))).toEqual({ every: 15 * 60_000 });
    expect(repeatOptions(sched({ kind: "interval", minutes: 3 }), 1000)).toEqual({ every: 3000 });
  });

  it("daily at 09:30 is a cron pattern in Moscow time by default", () => {
    const s = sched({ kind: "daily", time: "09:30" });
    expect(s.timezone).toBe("Europe/Moscow");
    expect(repeatOptions(s)).toEqual({ pattern: "30 9 * * *", tz: "Europe/Moscow" });
    // 09:30 MSK = 06:30 UTC.
    expect(nextAfter(s, "2026-11-30T05:00:00Z")).toBe("2026-11-30T06:30:00.000Z");
    expect(nextAfter(s, "2026-11-30T06:30:00Z")).toBe("2026-12-01T06:30:00.000Z");
  });

  it("weekly on Monday and Sunday (ours 1 and 7, cron 1 and 0) in another time zone", () => {
    const s = sched({ kind: "weekly", weekdays: [7, 1, 1], time: "18:05", timezone: "Asia/Yekaterinburg" });
    expect(repeatOptions(s)).toEqual({ pattern: "5 18 * * 0,1", tz: "Asia/Yekaterinburg" });
    // 2026-11-30 is a Monday; 18:05 in Yekaterinburg (UTC+5) = 13:05 UTC.
    expect(nextAfter(s, "2026-11-30T12:00:00Z")).toBe("2026-11-30T13:05:00.000Z");
    expect(nextAfter(s, "2026-11-30T13:05:00Z")).toBe("2026-12-06T13:05:00.000Z");
  });

  it("describes a schedule in words", () => {
    expect(describeSchedule(sched({ kind: "interval", minutes: 5 }))).toBe("каждые 5 мин");
    expect(describeSchedule(sched({ kind: "weekly", weekdays: [5, 1], time: "10:00" }), "en")).toBe("on Mon, Fri at 10:00 (Europe/Moscow)");
  });
});

describe("checks", () => {
  it("accepts the three kinds", () => {
    expect(scheduleProblems({ kind: "interval", minutes: 10080 })).toEqual([]);
    expect(scheduleProblems({ kind: "daily", time: "23:59", timezone: "UTC" })).toEqual([]);
    expect(scheduleProblems({ kind: "weekly", weekdays: [1, 2, 3, 4, 5, 6, 7], time: "00:00" })).toEqual([]);
  });

  it("names the field by its label, in Russian and English", () => {
    const def = {
      sources: [
        { id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d11", name: "Каждое утро", type: "schedule", schedule: { kind: "daily", time: "9:3", timezone: "Mars/Base" } },
        { id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d12", name: "Часто", type: "schedule", schedule: { kind: "interval", minutes: 0 } },
        { id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d13", name: "Без дней", type: "schedule", schedule: { kind: "weekly", weekdays: [], time: "10:00" } },
        { id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d14", name: "Пустой", type: "schedule" },
      ],
      steps: [],
    };
    const r = validateDefinition(def);
    expect(r.ok).toBe(false);
    const texts = r.ok ? [] : r.issues.map((i) => i.text.ru);
    expect(texts).toEqual([
      "Источник «Каждое утро»: «Время» — укажите время в виде ЧЧ:ММ, например 09:30",
      "Источник «Каждое утро»: «Часовой пояс» — неизвестный часовой пояс «Mars/Base», например Europe/Moscow",
      "Источник «Часто»: «Каждые, минут» — целое число от 1 до 10080 (неделя)",
      "Источник «Без дней»: «Дни недели» — отметьте хотя бы один день",
      "Источник «Пустой»: настройте расписание: как часто запускать",
    ]);
    expect(scheduleIssuesOf(def)[0].text.en).toBe('Source "Каждое утро": "Time" — enter the time as HH:MM, e.g. 09:30');
    // Nothing names an internal field.
    expect(texts.join(" ")).not.toMatch(/schedule|minutes|weekdays|timezone|sources\[/);
  });

  it("saving through the API: the schema's messages are Russian and name the field", () => {
    const messages = (schedule: unknown) => {
      const r = definitionSchema.safeParse({ sources: [{ id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d16", name: "x", type: "schedule", schedule }] });
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(messages({ kind: "interval", minutes: 0 })).toEqual(["«Каждые, минут» — целое число от 1 до 10080"]);
    expect(messages({ kind: "interval", minutes: 1.5 })).toEqual(["«Каждые, минут» — целое число от 1 до 10080"]);
    expect(messages({ kind: "daily", time: "25:00" })).toEqual(["«Время» — в виде ЧЧ:ММ, например 09:30"]);
    expect(messages({ kind: "daily", time: "09:00", timezone: "Europe/Atlantis" })).toEqual([
      "«Часовой пояс» — неизвестный часовой пояс, например Europe/Moscow",
    ]);
    expect(messages({ kind: "weekly", weekdays: [], time: "09:00" })).toEqual(["«Дни недели» — отметьте хотя бы один день"]);
    expect(messages({ kind: "hourly" })).toEqual(["«Как часто» — каждые N минут, ежедневно или по дням недели"]);
    expect(messages({ kind: "daily", time: "09:00" })).toEqual([]);
  });

  it("a valid schedule source passes validation", () => {
    const r = validateDefinition({
      sources: [{ id: "3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d15", name: "Раз в час", type: "schedule", schedule: { kind: "interval", minutes: 60 } }],
      steps: [],
    });
    expect(r.ok && r.issues).toEqual([]);
  });
});

describe("test-only minute", () => {
  it("is a real minute unless set, and refused outside NODE_ENV=test", () => {
    expect(scheduleMinuteMs({ NODE_ENV: "production" })).toBe(60_000);
    expect(scheduleMinuteMs({ NODE_ENV: "test", SCHEDULE_TEST_MINUTE_MS: 1000 })).toBe(1000);
    expect(() => scheduleMinuteMs({ NODE_ENV: "production", SCHEDULE_TEST_MINUTE_MS: 1000 })).toThrow(/NODE_ENV=test/);
    expect(() => scheduleMinuteMs({ NODE_ENV: "development", SCHEDULE_TEST_MINUTE_MS: 1000 })).toThrow(/tests only/);
  });
});

describe("firing ids", () => {
  it("a run id is a UUID v5 of (source, scheduled time): same firing, same id", () => {
    // RFC 4122 test vector: v5 of "www.example.com" in the DNS namespace.
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
    const a = scheduleRunId("3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d11", 1764500000000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(scheduleRunId("3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d11", 1764500000000)).toBe(a);
    expect(scheduleRunId("3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d11", 1764500060000)).not.toBe(a);
  });

  it("the scheduled time comes from the scheduler's job id", () => {
    expect(scheduledMillisOf("repeat:source:3f1e7a52-5d1b-4b7e-8a83-3f0e2b9c1d11:1764500000000")).toBe(1764500000000);
    expect(scheduledMillisOf("other")).toBeNull();
  });
});
