"use client";
// The settings of a «По расписанию» source (docs/schedule.md): how often (every N minutes, daily,
// on chosen weekdays), the time and the time zone (Moscow by default). Shown in the source panel
// when the source's type is «По расписанию».
import { useEffect, useId } from "react";
import { useTranslations } from "next-intl";
import type { ScheduleConfig, SourceDefinition, SourceField } from "@/lib/definition/schema";
import { DEFAULT_TIMEZONE, describeSchedule, INTERVAL_MINUTES, SCHEDULE_KINDS } from "@/lib/definition/schedule";
import { useEditor, useEditorLocale, useStore } from "./context";
import { patchSource } from "./commands";

/** What a new schedule source starts with. */
export const DEFAULT_SCHEDULE: ScheduleConfig = { kind: "interval", minutes: 60, timezone: DEFAULT_TIMEZONE };

/** The fields a schedule run carries: steps pick them as {{source.firedAt}}, {{source.scheduledFor}}. */
export const SCHEDULE_FIELDS: SourceField[] = [
  { path: "scheduledFor", example: "2026-12-01T06:00:00.000Z", type: "string" },
  { path: "firedAt", example: "2026-12-01T06:00:00.412Z", type: "string" },
];

/** Time zones offered in the list (any other IANA zone may be typed). */
const ZONES = [
  "Europe/Kaliningrad",
  "Europe/Moscow",
  "Europe/Samara",
  "Asia/Yekaterinburg",
  "Asia/Omsk",
  "Asia/Novosibirsk",
  "Asia/Krasnoyarsk",
  "Asia/Irkutsk",
  "Asia/Yakutsk",
  "Asia/Vladivostok",
  "Asia/Magadan",
  "Asia/Kamchatka",
  "Europe/Minsk",
  "Asia/Almaty",
  "UTC",
];

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

type Draft = { kind: ScheduleConfig["kind"]; minutes?: number; time?: string; weekdays?: number[]; timezone: string };

export function ScheduleSettings({ source }: { source: SourceDefinition }) {
  const t = useTranslations("editor.schedule");
  const locale = useEditorLocale();
  const store = useStore();
  const id = useId();
  const schedule = (source.schedule ?? DEFAULT_SCHEDULE) as Draft;
  const allIssues = useEditor((s) => s.issues.all);
  const issues = allIssues.filter((i) => i.code === "schedule" && i.sourceId === source.id);
  const issueOf = (field: string) => issues.find((i) => i.path.endsWith(`.schedule.${field}`));

  // A source just switched to «По расписанию» gets a schedule and the fields its runs carry.
  useEffect(() => {
    if (source.schedule) return;
    const fields = source.fields?.length ? source.fields : SCHEDULE_FIELDS;
    patchSource(store, source.id, { schedule: DEFAULT_SCHEDULE, fields });
  }, [source.schedule, source.fields, source.id, store]);

  const set = (patch: Partial<Draft>) => {
    const next = { ...schedule, ...patch } as Draft;
    // Keep only the fields of the chosen kind (the definition stores exactly one shape).
    const clean: Draft =
      next.kind === "interval"
        ? { kind: "interval", minutes: next.minutes ?? 60, timezone: next.timezone }
        : next.kind === "daily"
          ? { kind: "daily", time: next.time ?? "09:00", timezone: next.timezone }
          : { kind: "weekly", weekdays: next.weekdays?.length ? next.weekdays : [1, 2, 3, 4, 5], time: next.time ?? "09:00", timezone: next.timezone };
    patchSource(store, source.id, { schedule: clean as ScheduleConfig });
  };

  const fieldError = (field: string) => {
    const issue = issueOf(field);
    return issue ? (
      <p className="mt-1 text-xs text-red-700" role="alert">
        {issue.message[locale]}
      </p>
    ) : null;
  };
  const inputClass = (field: string) =>
    `rounded-md border px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 ${issueOf(field) ? "border-red-400" : "border-slate-300"}`;
  const valid = issues.length === 0 && source.schedule;

  return (
    <section className="space-y-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-3" data-testid="schedule-settings">
      <h3 className="text-sm font-medium text-slate-700">{t("title")}</h3>
      <div>
        <label htmlFor={`${id}-kind`} className="block text-xs font-medium text-slate-600">
          {t("kind")}
        </label>
        <select
          id={`${id}-kind`}
          value={schedule.kind}
          onChange={(e) => set({ kind: e.target.value as Draft["kind"] })}
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          data-testid="schedule-kind"
        >
          {SCHEDULE_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kinds.${k}`)}
            </option>
          ))}
        </select>
      </div>

      {schedule.kind === "interval" ? (
        <div>
          <label htmlFor={`${id}-minutes`} className="block text-xs font-medium text-slate-600">
            {t("minutes")}
          </label>
          <input
            id={`${id}-minutes`}
            type="number"
            inputMode="numeric"
            min={INTERVAL_MINUTES.min}
            max={INTERVAL_MINUTES.max}
            step={1}
            value={Number.isFinite(schedule.minutes) ? schedule.minutes : ""}
            onChange={(e) => set({ minutes: e.target.value === "" ? Number.NaN : Number(e.target.value) })}
            className={`w-32 ${inputClass("minutes")}`}
            data-testid="schedule-minutes"
          />
          {fieldError("minutes")}
          <p className="mt-1 text-xs text-slate-500">{t("minutesHint")}</p>
        </div>
      ) : (
        <>
          {schedule.kind === "weekly" ? (
            <fieldset>
              <legend className="block text-xs font-medium text-slate-600">{t("weekdays")}</legend>
              <div className="mt-1 flex flex-wrap gap-1" data-testid="schedule-weekdays">
                {WEEKDAYS.map((d) => {
                  const on = schedule.weekdays?.includes(d) ?? false;
                  return (
                    <label
                      key={d}
                      className={`cursor-pointer select-none rounded-md border px-2 py-1 text-xs ${on ? "border-indigo-500 bg-indigo-50 font-medium text-indigo-800" : "border-slate-300 bg-white text-slate-600"}`}
                    >
                      <input
                        type="checkbox"
                        className="sr-only"
                        checked={on}
                        onChange={() => {
                          const list = on ? (schedule.weekdays ?? []).filter((x) => x !== d) : [...(schedule.weekdays ?? []), d].sort((a, b) => a - b);
                          patchSource(store, source.id, { schedule: { ...(schedule as ScheduleConfig & { kind: "weekly" }), weekdays: list } });
                        }}
                      />
                      {t(`days.${d}`)}
                    </label>
                  );
                })}
              </div>
              {fieldError("weekdays")}
            </fieldset>
          ) : null}
          <div className="flex flex-wrap gap-3">
            <div>
              <label htmlFor={`${id}-time`} className="block text-xs font-medium text-slate-600">
                {t("time")}
              </label>
              <input
                id={`${id}-time`}
                type="time"
                value={schedule.time ?? ""}
                onChange={(e) => set({ time: e.target.value })}
                className={`w-36 ${inputClass("time")}`}
                data-testid="schedule-time"
              />
              {fieldError("time")}
            </div>
            <div className="min-w-0 flex-1">
              <label htmlFor={`${id}-tz`} className="block text-xs font-medium text-slate-600">
                {t("timezone")}
              </label>
              <input
                id={`${id}-tz`}
                list={`${id}-zones`}
                value={schedule.timezone ?? ""}
                maxLength={64}
                onChange={(e) => set({ timezone: e.target.value.trim() })}
                className={`w-full ${inputClass("timezone")}`}
                data-testid="schedule-timezone"
              />
              <datalist id={`${id}-zones`}>
                {ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              {fieldError("timezone")}
            </div>
          </div>
        </>
      )}
      {issues
        .filter((i) => !i.path.includes(".schedule."))
        .map((i) => (
          <p key={i.path} className="text-xs text-red-700" role="alert">
            {i.message[locale]}
          </p>
        ))}

      {valid ? (
        <p className="text-sm text-slate-700" data-testid="schedule-summary">
          {t("summary", { when: describeSchedule(source.schedule as ScheduleConfig, locale) })}
        </p>
      ) : null}
      <p className="text-xs text-slate-500">{t("hint")}</p>
    </section>
  );
}
