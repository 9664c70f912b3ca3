// Placeholders as people read them: «Источник › client_phone», «Шаг 3 › id контакта», «Ключ › Weeek токен».
// Used by the chip inputs, the CodeMirror chip widgets and the field picker.
import { allSourceFields, ancestorsOf, type PipelineDefinition, type SourceField } from "@/lib/definition/schema";
import { getAction } from "@/lib/actions/registry";
import type { Localized } from "@/lib/actions/define-action";
import { findTokens, type Token } from "@/lib/definition/placeholders";

export type Locale = "ru" | "en";

export type StepLabelInfo = { index: number; name: string; outputs: Map<string, string> };
export type LabelContext = { locale: Locale; steps: Map<string, StepLabelInfo> };

const WORDS: Record<Locale, { source: string; step: string; credential: string; casts: Record<string, string>; filters: Record<string, string> }> = {
  ru: {
    source: "Источник",
    step: "Шаг",
    credential: "Ключ",
    casts: { string: "строка", number: "число", boolean: "да/нет", json: "JSON" },
    filters: {
      html: "HTML",
      trim: "без пробелов",
      phone: "телефон +7",
      date: "дата ISO",
      dateRu: "дата ДД.ММ.ГГГГ",
      datetime: "дата и время ISO",
      time: "время",
      round: "целое",
      omitEmpty: "пустое не отправлять",
      default: "если пусто",
    },
  },
  en: {
    source: "Source",
    step: "Step",
    credential: "Credential",
    casts: { string: "text", number: "number", boolean: "yes/no", json: "JSON" },
    filters: {
      html: "HTML",
      trim: "trimmed",
      phone: "phone +7",
      date: "ISO date",
      dateRu: "DD.MM.YYYY",
      datetime: "ISO date-time",
      time: "time",
      round: "whole",
      omitEmpty: "leave out if empty",
      default: "if empty",
    },
  },
};

export const localized = (l: string | Localized, locale: Locale) => (typeof l === "string" ? l : l[locale]);

/** The outputs a step offers later steps, from the registry; empty while its config is invalid. */
export function stepOutputs(step: { type: string; config: unknown }, locale: Locale): { key: string; label: string }[] {
  const action = getAction(step.type);
  if (!action) return [];
  const parsed = action.configSchema.safeParse(step.config ?? {});
  if (!parsed.success) return [];
  return action.outputs(parsed.data).map((o) => ({ key: o.key, label: localized(o.label, locale) }));
}

export function labelContext(def: Pick<PipelineDefinition, "steps">, locale: Locale): LabelContext {
  const steps = new Map<string, StepLabelInfo>();
  def.steps.forEach((s, index) => {
    steps.set(s.id, { index, name: s.name, outputs: new Map(stepOutputs(s, locale).map((o) => [o.key, o.label])) });
  });
  return { locale, steps };
}

export type TokenLabel = { text: string; kind: Token["kind"]; broken: boolean };

export function tokenLabel(token: Token, ctx: LabelContext): TokenLabel {
  const w = WORDS[ctx.locale];
  const filters = token.filters ?? (token.cast ? [{ name: token.cast }] : []);
  const cast = filters
    .map((f) => ` · ${f.name === "default" ? `${w.filters.default} «${f.arg ?? ""}»` : (w.casts[f.name] ?? w.filters[f.name] ?? f.name)}`)
    .join("");
  if (token.kind === "source") return { kind: "source", broken: false, text: `${w.source} › ${token.path || "…"}${cast}` };
  if (token.kind === "credential") return { kind: "credential", broken: false, text: `${w.credential} › ${token.name}${cast}` };
  const info = ctx.steps.get(token.stepId);
  if (!info) return { kind: "step", broken: true, text: `? ${token.stepId} › ${token.key}${token.path ? ` › ${token.path}` : ""}${cast}` };
  const out = info.outputs.get(token.key);
  return {
    kind: "step",
    broken: out === undefined,
    text: `${w.step} ${info.index + 1} › ${out ?? token.key}${token.path ? ` › ${token.path}` : ""}${cast}`,
  };
}

export type Segment =
  { kind: "text"; text: string; start: number; end: number } | { kind: "token"; raw: string; start: number; end: number; label: TokenLabel };

/** Splits a template into literal text and tokens with their readable labels. */
export function tokenSegments(text: string, ctx: LabelContext): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (const f of findTokens(text)) {
    if (f.start > pos) out.push({ kind: "text", text: text.slice(pos, f.start), start: pos, end: f.start });
    out.push({ kind: "token", raw: f.raw, start: f.start, end: f.end, label: tokenLabel(f.token, ctx) });
    pos = f.end;
  }
  if (pos < text.length) out.push({ kind: "text", text: text.slice(pos), start: pos, end: text.length });
  return out;
}

/**
 * A node's one-line summary with tokens as short labels: `POST …/deals/[Шаг 6 › deal_id]/contacts`.
 * Output labels are left out on purpose: this runs for every node on every edit, so it only needs
 * the step order, not each step's parsed config.
 */
export function readableSummary(summary: string, steps: readonly { id: string }[], locale: Locale): string {
  if (!summary.includes("{{")) return summary;
  const w = WORDS[locale];
  let out = "";
  let pos = 0;
  for (const f of findTokens(summary)) {
    out += summary.slice(pos, f.start);
    const t = f.token;
    if (t.kind === "source") out += `[${w.source} › ${t.path}]`;
    else if (t.kind === "credential") out += `[${w.credential} › ${t.name}]`;
    else {
      const i = steps.findIndex((x) => x.id === t.stepId);
      out += `[${i >= 0 ? `${w.step} ${i + 1}` : `? ${t.stepId}`} › ${t.key}${t.path ? ` › ${t.path}` : ""}]`;
    }
    pos = f.end;
  }
  return out + summary.slice(pos);
}

// ---- the field picker ----

export type PickerItem = { token: string; label: string; chip: string; example?: string };
export type PickerGroup = { id: string; title: string; items: PickerItem[] };

export const sourceToken = (path: string) => `{{source${path.startsWith("[") ? "" : "."}${path}}}`;
export const stepToken = (stepId: string, key: string) => `{{steps.${stepId}.${key}}}`;
// Credential names cannot contain " \ { } (credentialNameSchema), so the bracket form needs no escaping.
export const credentialToken = (name: string) => `{{credentials["${name}"]}}`;

/**
 * The fields of every source (docs/sources.md); with several sources also `name` — the name of the
 * source that delivered the event, for «Условие» — unless a source's requests have a `name` of their own.
 */
export function sourcePickerFields(def: { sourceFields: SourceField[]; sources?: PipelineDefinition["sources"] }): SourceField[] {
  const fields = allSourceFields(def);
  const list = def.sources ?? [];
  if (list.length < 2 || fields.some((f) => f.path === "name")) return fields;
  return [{ path: "name", example: list.map((x) => x.name).join(" / "), type: "string" }, ...fields];
}

/**
 * What a step at `stepIndex` may pick: the source's fields, the outputs of the steps above it
 * (grouped by step), and the user's credentials by name.
 */
export function pickerGroups(input: {
  def: Pick<PipelineDefinition, "steps" | "edges"> & { sourceFields: SourceField[]; sources?: PipelineDefinition["sources"] };
  stepIndex: number;
  credentials: { name: string }[];
  locale: Locale;
}): PickerGroup[] {
  const { def, stepIndex, locale } = input;
  const w = WORDS[locale];
  const ctx = labelContext(def, locale);
  const chip = (token: string) => {
    const f = findTokens(token)[0];
    return f ? tokenLabel(f.token, ctx).text : token;
  };
  const groups: PickerGroup[] = [];
  groups.push({
    id: "source",
    title: w.source,
    items: sourcePickerFields(def).map((f) => {
      const token = sourceToken(f.path);
      return { token, label: f.path, chip: chip(token), ...(f.example !== undefined ? { example: f.example } : {}) };
    }),
  });
  // Only steps that come before it on some path: a step on another branch never ran for it.
  const me = def.steps[stepIndex];
  const before = me && def.edges ? ancestorsOf(def).get(me.id) : null;
  def.steps.slice(0, Math.max(0, stepIndex)).forEach((s, i) => {
    if (before && !before.has(s.id)) return;
    groups.push({
      id: `step:${s.id}`,
      title: `${w.step} ${i + 1}${s.name ? ` · ${s.name}` : ""}`,
      items: stepOutputs(s, locale).map((o) => {
        const token = stepToken(s.id, o.key);
        return { token, label: o.label, chip: chip(token) };
      }),
    });
  });
  groups.push({
    id: "credentials",
    title: locale === "ru" ? "Ключи доступа" : "Credentials",
    items: input.credentials.map((c) => {
      const token = credentialToken(c.name);
      return { token, label: c.name, chip: chip(token) };
    }),
  });
  return groups;
}

/** Case-insensitive search over labels, examples and group titles; empty groups are dropped. */
export function filterPickerGroups(groups: PickerGroup[], query: string): PickerGroup[] {
  const q = query.trim().toLowerCase();
  if (!q) return groups;
  return groups
    .map((g) => {
      if (g.title.toLowerCase().includes(q)) return g;
      return { ...g, items: g.items.filter((it) => it.label.toLowerCase().includes(q) || (it.example ?? "").toLowerCase().includes(q)) };
    })
    .filter((g) => g.items.length > 0);
}

/** Inserts `insert` into `text` replacing [from, to); returns the new text and caret position. */
export function insertAt(text: string, from: number, to: number, insert: string): { text: string; caret: number } {
  const a = Math.max(0, Math.min(from, text.length));
  const b = Math.max(a, Math.min(to, text.length));
  return { text: text.slice(0, a) + insert + text.slice(b), caret: a + insert.length };
}
