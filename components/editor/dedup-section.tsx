"use client";
// Source panel: «Дубликаты» — an incoming event whose key was already seen within the window is
// stored as «Дубликат» and not executed (docs/dedup.md). Per source; saved with the definition.
import { useId } from "react";
import { useTranslations } from "next-intl";
import { DEDUP_WINDOW_MINUTES, type DedupConfig } from "@/lib/definition/schema";
import { useEditor, useEditorLocale, useStore } from "./context";
import { editDefinition } from "./commands";
import { PlaceholderInput } from "./placeholder-input";

const UNITS = [
  { id: "minutes", minutes: 1 },
  { id: "hours", minutes: 60 },
  { id: "days", minutes: 24 * 60 },
] as const;

const DEFAULT: DedupConfig = { enabled: false, by: "key", key: "", windowMinutes: 60 };

function splitWindow(minutes: number): { amount: number; unit: (typeof UNITS)[number]["id"] } {
  if (minutes % (24 * 60) === 0) return { amount: minutes / (24 * 60), unit: "days" };
  if (minutes % 60 === 0) return { amount: minutes / 60, unit: "hours" };
  return { amount: minutes, unit: "minutes" };
}

/** The «Дубликаты» of one source (each source has its own, docs/sources.md). */
export function DedupSection({ sourceId }: { sourceId: string }) {
  const t = useTranslations("editor.dedup");
  const store = useStore();
  const dedup = useEditor((s) => s.def.sources?.find((x) => x.id === sourceId)?.dedup) ?? DEFAULT;
  const keyIssue = useEditor((s) => s.issues.all.find((i) => i.path === "dedup.key" && (i.sourceId === undefined || i.sourceId === sourceId)));
  const id = useId();
  const locale = useEditorLocale();
  const set = (patch: Partial<DedupConfig>) =>
    editDefinition(store, (d) => ({
      ...d,
      sources: d.sources?.map((x) => (x.id === sourceId ? { ...x, dedup: { ...DEFAULT, ...x.dedup, ...patch } } : x)),
    }));
  const { amount, unit } = splitWindow(dedup.windowMinutes);
  const perUnit = UNITS.find((u) => u.id === unit)!.minutes;
  const clamp = (m: number) => Math.min(DEDUP_WINDOW_MINUTES.max, Math.max(DEDUP_WINDOW_MINUTES.min, Math.round(m)));

  return (
    <section className="space-y-2" data-testid="dedup-section">
      <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
        <input
          type="checkbox"
          checked={dedup.enabled}
          onChange={(e) => set({ enabled: e.target.checked })}
          className="h-4 w-4 rounded border-slate-300 text-indigo-600"
          data-testid="dedup-enabled"
        />
        {t("enabled")}
      </label>
      <p className="text-xs text-slate-500">{t("hint")}</p>
      {dedup.enabled ? (
        <div className="space-y-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-3">
          <fieldset className="space-y-1 text-sm">
            <legend className="mb-1 font-medium text-slate-700">{t("by")}</legend>
            <label className="flex items-center gap-2">
              <input type="radio" name={`${id}-by`} checked={dedup.by === "key"} onChange={() => set({ by: "key" })} data-testid="dedup-by-key" />
              {t("byKey")}
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name={`${id}-by`} checked={dedup.by === "request"} onChange={() => set({ by: "request" })} data-testid="dedup-by-request" />
              {t("byRequest")}
            </label>
          </fieldset>
          {dedup.by === "key" ? (
            <div data-testid="dedup-key">
              <PlaceholderInput
                label={t("key")}
                value={dedup.key}
                onChange={(v) => set({ key: v })}
                stepIndex={0}
                placeholder="{{source.appointment_id}}"
                invalid={!!keyIssue}
              />
              {keyIssue ? (
                <p className="mt-1 text-xs text-red-700">{keyIssue.message[locale]}</p>
              ) : (
                <p className="mt-1 text-xs text-slate-500">{t("keyHint")}</p>
              )}
            </div>
          ) : null}
          <div className="space-y-1 text-sm">
            <label htmlFor={`${id}-window`} className="block font-medium text-slate-700">
              {t("window")}
            </label>
            <div className="flex gap-2">
              <input
                id={`${id}-window`}
                type="number"
                min={1}
                value={amount}
                onChange={(e) => set({ windowMinutes: clamp(Number(e.target.value || 1) * perUnit) })}
                className="w-24 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
                data-testid="dedup-window"
              />
              <select
                value={unit}
                aria-label={t("unit")}
                onChange={(e) => set({ windowMinutes: clamp(amount * UNITS.find((u) => u.id === e.target.value)!.minutes) })}
                className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
              >
                {UNITS.map((u) => (
                  <option key={u.id} value={u.id}>
                    {t(`units.${u.id}`)}
                  </option>
                ))}
              </select>
            </div>
            <p className="text-xs text-slate-500">{t("windowHint")}</p>
          </div>
        </div>
      ) : null}
    </section>
  );
}
