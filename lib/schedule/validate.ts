// Schedule problems as validation issues («Источник «Каждое утро»: «Время» — укажите время…»),
// for validateDefinition (lib/actions/registry.ts). Reads the raw input, so a schedule that fails
// the definition schema gets these messages instead of zod's.
import type { ValidationIssue } from "../actions/registry";
import { SCHEDULE_LABELS, scheduleProblems } from "./config";

/** True for a zod issue inside some source's `schedule` (scheduleIssuesOf reports those). */
export function isSchedulePath(path: readonly PropertyKey[]): boolean {
  return path[0] === "sources" && typeof path[1] === "number" && path[2] === "schedule";
}

export function scheduleIssuesOf(input: unknown): ValidationIssue[] {
  const sources = (input as { sources?: unknown } | null)?.sources;
  if (!Array.isArray(sources)) return [];
  const out: ValidationIssue[] = [];
  sources.forEach((raw, i) => {
    const s = raw as { id?: unknown; type?: unknown; name?: unknown; schedule?: unknown } | null;
    if (!s || s.type !== "schedule") return;
    const name = typeof s.name === "string" && s.name.trim() ? s.name.trim() : `${i + 1}`;
    for (const p of scheduleProblems(s.schedule)) {
      const label = p.field ? { ru: `«${SCHEDULE_LABELS[p.field].ru}»`, en: `"${SCHEDULE_LABELS[p.field].en}"` } : undefined;
      out.push({
        stepIndex: -1,
        stepId: "",
        stepName: "",
        path: `sources[${i}].schedule${p.field ? `.${p.field}` : ""}`,
        code: "schedule",
        message: p.message,
        ...(label ? { label } : {}),
        ...(typeof s.id === "string" ? { sourceId: s.id } : {}),
        text: {
          ru: `Источник «${name}»: ${label ? `${label.ru} — ` : ""}${p.message.ru}`,
          en: `Source "${name}": ${label ? `${label.en} — ` : ""}${p.message.en}`,
        },
      });
    }
  });
  return out;
}
