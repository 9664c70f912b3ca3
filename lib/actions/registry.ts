// The one list of action types. The editor (palette, forms, field picker), the API's validation
// and the worker all read it; adding an action type means adding it here and nowhere else.
import type { z } from "zod";
import type { AnyAction, Localized } from "./define-action";
import { jsonComposer } from "./json-composer";
import { httpRequest } from "./http-request";
import { jsonParser } from "./json-parser";
import { conditionAction, delayAction, filterAction } from "./flow";
import { storeFind, storeFindOrCreate, storeSave } from "./store";
import {
  ancestorsOf,
  definitionSchema,
  HEADER_NAME,
  RUN_ID_TOKEN,
  SOURCE_NODE,
  sourcesOf,
  type PipelineDefinition,
  type SourceDefinition,
  type StepDefinition,
} from "../definition/schema";
import { checkJsonTemplate, collectTokens, describeToken, problemOf } from "../definition/placeholders";
import { labelPath } from "./field-labels";
import { SCHEDULE_LABELS, scheduleProblems } from "../definition/schedule";
import { stepTitle } from "../definition/step-title";

const ACTIONS: readonly AnyAction[] = [
  jsonComposer,
  httpRequest,
  jsonParser,
  filterAction,
  conditionAction,
  delayAction,
  storeFind,
  storeSave,
  storeFindOrCreate,
] as unknown as AnyAction[];

const BY_TYPE = new Map(ACTIONS.map((a) => [a.type, a]));

export function getAction(type: string): AnyAction | undefined {
  return BY_TYPE.get(type);
}

export function listActions(): readonly AnyAction[] {
  return ACTIONS;
}

export type ValidationIssue = {
  /** 0-based; -1 for problems of the definition as a whole. */
  stepIndex: number;
  stepId: string;
  stepName: string;
  /** e.g. "config.url", "config.outputs[0].path", "type". */
  path: string;
  code: string;
  message: Localized;
  /** The field as the editor labels it: «Заголовки», строка 1, ключ (config paths only). */
  label?: Localized;
  /** Full sentence: «Шаг 2 «Создать контакт»: «Адрес» — обязательное поле». */
  text: Localized;
  /** Settings of one source (reply, signature, VK, duplicates): its id. */
  sourceId?: string;
};

export type ValidationResult =
  { ok: true; issues: []; definition: PipelineDefinition } | { ok: false; issues: ValidationIssue[]; definition?: PipelineDefinition };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

/** Russian and English text for a zod issue, without zod's English-only defaults. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): Localized {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case "invalid_type":
      if (valueAt(input, issue.path) === undefined) return { ru: "обязательное поле", en: "required" };
      return { ru: `неверный тип, ожидается ${typeName(String(i.expected), "ru")}`, en: `wrong type, expected ${typeName(String(i.expected), "en")}` };
    case "too_small":
      if (i.origin === "string") {
        return Number(i.minimum) <= 1
          ? { ru: "обязательное поле", en: "required" }
          : { ru: `не короче ${i.minimum} символов`, en: `at least ${i.minimum} characters` };
      }
      if (i.origin === "array") return { ru: `нужно хотя бы ${i.minimum}`, en: `at least ${i.minimum} item(s)` };
      return { ru: `не меньше ${i.minimum}`, en: `at least ${i.minimum}` };
    case "too_big":
      if (i.origin === "string") return { ru: `не длиннее ${i.maximum} символов`, en: `at most ${i.maximum} characters` };
      if (i.origin === "array") return { ru: `не больше ${i.maximum} элементов`, en: `at most ${i.maximum} items` };
      return { ru: `не больше ${i.maximum}`, en: `at most ${i.maximum}` };
    case "invalid_value": {
      const vals = (i.values as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return { ru: `допустимые значения: ${vals}`, en: `allowed values: ${vals}` };
    }
    case "invalid_format":
      return { ru: `неверный формат (${issue.message})`, en: `invalid format (${issue.message})` };
    case "unrecognized_keys":
      return { ru: `лишние поля: ${(i.keys as string[]).join(", ")}`, en: `unknown fields: ${(i.keys as string[]).join(", ")}` };
    case "custom": {
      const en = (i.params as { en?: string } | undefined)?.en;
      return { ru: issue.message, en: en ?? issue.message };
    }
    default:
      return { ru: issue.message, en: issue.message };
  }
}

function typeName(t: string, lang: "ru" | "en"): string {
  const ru: Record<string, string> = { string: "строка", number: "число", boolean: "true/false", array: "список", object: "объект" };
  return lang === "ru" ? (ru[t] ?? t) : t;
}

export function makeIssue(index: number, step: { id?: string; name?: string }, path: string, code: string, message: Localized): ValidationIssue {
  const where = index >= 0 ? stepTitle(index, step.name) : { ru: "Обработка", en: "Pipeline" };
  // Settings are named as the editor labels them («Тело запроса»), never by their config key.
  const label = labelPath(path);
  const field = label
    ? { ru: `${label.ru} — `, en: `${label.en} — ` }
    : path && path !== "config"
      ? { ru: `${path} — `, en: `${path} — ` }
      : { ru: "", en: "" };
  return {
    stepIndex: index,
    stepId: step.id ?? "",
    stepName: step.name ?? "",
    path,
    code,
    message,
    ...(label ? { label } : {}),
    text: { ru: `${where.ru}: ${field.ru}${message.ru}`, en: `${where.en}: ${field.en}${message.en}` },
  };
}

/** Validates one step's type and config. `index` is its 0-based position (for the message). */
export function validateStep(step: StepDefinition, index = 0): ValidationIssue[] {
  const action = getAction(step.type);
  if (!action) {
    return [makeIssue(index, step, "type", "unknown_type", { ru: `неизвестный тип действия «${step.type}»`, en: `unknown action type "${step.type}"` })];
  }
  const parsed = action.configSchema.safeParse(step.config ?? {});
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => makeIssue(index, step, formatPath(["config", ...issue.path]), issue.code, describeIssue(issue, step.config ?? {})));
}

/**
 * Validates a whole definition: its shape, each step, unique ids, and that every
 * {{steps.<id>.<key>}} token points at an earlier step and one of its outputs.
 */
export function validateDefinition(input: unknown): ValidationResult {
  const shape = definitionSchema.safeParse(input);
  if (!shape.success) {
    // A schedule's problems come with the editor's labels (scheduleIssuesOf), not zod's paths.
    const schedule = scheduleIssuesOf(input);
    const zodIssues = schedule.length > 0 ? shape.error.issues.filter((i) => !isSchedulePath(i.path)) : shape.error.issues;
    const issues = zodIssues.map((issue) => {
      const [top, idx, ...rest] = issue.path;
      if (top === "steps" && typeof idx === "number") {
        const raw = valueAt(input, ["steps", idx]) as { id?: string; name?: string } | undefined;
        return makeIssue(idx, raw ?? {}, formatPath(rest), issue.code, describeIssue(issue, raw ?? {}));
      }
      if (top === "sources") {
        // «Источник «Сайт»: у источника должно быть название» — never "sources[1].name".
        const raw = typeof idx === "number" ? (valueAt(input, ["sources", idx]) as { id?: string; name?: unknown } | undefined) : undefined;
        const named = typeof raw?.name === "string" && raw.name.trim() !== "";
        const where =
          typeof idx !== "number"
            ? { ru: "Источники", en: "Sources" }
            : named
              ? { ru: `Источник «${raw!.name}»`, en: `Source "${raw!.name}"` }
              : { ru: `Источник ${idx + 1}`, en: `Source ${idx + 1}` };
        // The schema's own Russian wording («у источника должно быть название») says more than a generic one.
        const generic = describeIssue(issue, raw ?? input);
        const message = { ru: /[а-яё]/i.test(issue.message) ? issue.message : generic.ru, en: generic.en };
        return {
          ...makeIssue(-1, {}, formatPath(issue.path), issue.code, message),
          ...(typeof raw?.id === "string" ? { sourceId: raw.id } : {}),
          text: { ru: `${where.ru}: ${message.ru}`, en: `${where.en}: ${message.en}` },
        };
      }
      return makeIssue(-1, {}, formatPath(issue.path), issue.code, describeIssue(issue, input));
    });
    return { ok: false, issues: [...schedule, ...issues] };
  }
  const def = shape.data;
  const issues: ValidationIssue[] = [...scheduleIssuesOf(input), ...sourceIssues(def)];
  const earlier = new Map<string, Set<string> | null>();
  issues.push(...validateGraph(def));
  const ancestors = def.edges ? ancestorsOf(def) : null;
  def.steps.forEach((step, index) => {
    if (earlier.has(step.id)) {
      issues.push(
        makeIssue(index, step, "id", "duplicate_id", { ru: `id «${step.id}» уже занят другим шагом`, en: `id "${step.id}" is used by another step` }),
      );
    }
    const stepIssues = validateStep(step, index);
    issues.push(...stepIssues);
    const before = ancestors?.get(step.id);
    for (const t of collectTokens(step.config)) {
      if (t.kind !== "step") continue;
      const keys = before && !before.has(t.stepId) ? undefined : earlier.get(t.stepId);
      const token = `{{${describeToken(t)}}}`;
      if (keys === undefined) {
        issues.push(
          makeIssue(index, step, "config", "unknown_step_ref", {
            ru: `${token} ссылается на шаг, которого нет выше в цепочке`,
            en: `${token} refers to a step that is not earlier in the chain`,
          }),
        );
      } else if (keys && !keys.has(t.key)) {
        issues.push(
          makeIssue(index, step, "config", "unknown_output_ref", {
            ru: `${token}: у шага ${t.stepId} нет результата «${t.key}»`,
            en: `${token}: step ${t.stepId} has no output "${t.key}"`,
          }),
        );
      }
    }
    const action = getAction(step.type);
    const parsed = action?.configSchema.safeParse(step.config);
    // A step whose config is invalid still counts as "earlier", but its output keys are unknown.
    earlier.set(step.id, action && parsed?.success ? new Set(action.outputs(parsed.data).map((o) => o.key)) : null);
  });
  return issues.length === 0 ? { ok: true, issues: [], definition: def } : { ok: false, issues, definition: def };
}

/**
 * Every source's settings. With one source the messages say «Обработка: …» as before; with several,
 * «Источник «Сайт»: …». Each issue carries its source's id (the editor marks that source's field).
 */
function sourceIssues(def: PipelineDefinition): ValidationIssue[] {
  const list = sourcesOf(def);
  const out: ValidationIssue[] = [];
  for (const src of list) {
    for (const issue of [...dedupIssues(src), ...replyIssues(src), ...signatureIssues(src), ...vkIssues(src)]) {
      const named =
        list.length > 1
          ? {
              text: {
                ru: issue.text.ru.replace(/^Обработка: /, `Источник «${src.name}»: `),
                en: issue.text.en.replace(/^Pipeline: /, `Source "${src.name}": `),
              },
            }
          : {};
      out.push({ ...issue, ...named, sourceId: src.id });
    }
  }
  return out;
}

/** The reply to the caller may read the request ({{source.…}}) and {{runId}}, nothing else; JSON must parse. */
function replyIssues(def: SourceDefinition): ValidationIssue[] {
  const r = def.reply;
  if (!r?.enabled) return [];
  const body = r.body.replace(RUN_ID_TOKEN, "");
  if (collectTokens(body).some((t) => t.kind !== "source"))
    return [
      makeIssue(-1, {}, "reply.body", "reply_source_only", {
        ru: "ответ отправителю может содержать только поля запроса ({{source.…}}) и {{runId}}",
        en: "the reply may contain only request fields ({{source.…}}) and {{runId}}",
      }),
    ];
  if (r.format === "json" && r.body.trim() !== "") {
    const err = checkJsonTemplate(r.body.replace(RUN_ID_TOKEN, "00000000-0000-0000-0000-000000000000"), "reply.body");
    if (err)
      return [
        makeIssue(-1, {}, "reply.body", "reply_json", {
          ru: `ответ отправителю — не JSON: ${problemOf(err).ru}`,
          en: `the reply is not JSON: ${problemOf(err).en}`,
        }),
      ];
  }
  return [];
}

/** A signature check needs a secret from «Ключи доступа» and the place to read the signature from. */
function signatureIssues(def: SourceDefinition): ValidationIssue[] {
  const s = def.signature;
  if (!s?.enabled) return [];
  const issues: ValidationIssue[] = [];
  if (s.credential.trim() === "")
    issues.push(
      makeIssue(-1, {}, "signature.credential", "signature_credential", {
        ru: "выберите ключ доступа с секретом для проверки подписи",
        en: "choose the access key holding the signature secret",
      }),
    );
  if (s.method === "secret-query" ? s.param.trim() === "" : !HEADER_NAME.test(s.header))
    issues.push(
      makeIssue(-1, {}, "signature.header", "signature_where", {
        ru: s.method === "secret-query" ? "укажите параметр запроса с секретом" : "укажите заголовок с подписью (латинские буквы, цифры и -)",
        en: s.method === "secret-query" ? "enter the query parameter carrying the secret" : "enter the header carrying the signature",
      }),
    );
  return issues;
}

/** A VK source cannot pass VK's handshake without the confirmation string. */
function vkIssues(def: SourceDefinition): ValidationIssue[] {
  if (def.type !== "vk" || (def.vk?.confirmation ?? "") !== "") return [];
  return [
    makeIssue(-1, {}, "vk.confirmation", "vk_confirmation", {
      ru: "введите строку, которую должен вернуть сервер (VK → Управление сообществом → Работа с API → Callback API)",
      en: "enter the confirmation string VK shows (Community → API usage → Callback API)",
    }),
  ];
}

/** The source's deduplication key must read the request: at least one {{source.…}} token, no step outputs. */
function dedupIssues(def: SourceDefinition): ValidationIssue[] {
  const d = def.dedup;
  if (!d?.enabled || d.by !== "key") return [];
  const tokens = collectTokens(d.key);
  if (d.key.trim() === "" || !tokens.some((t) => t.kind === "source"))
    return [
      makeIssue(-1, {}, "dedup.key", "dedup_key_required", {
        ru: "ключ дубликатов должен содержать поле запроса, например {{source.appointment_id}}",
        en: "the duplicate key must contain a request field, e.g. {{source.appointment_id}}",
      }),
    ];
  if (tokens.some((t) => t.kind !== "source"))
    return [
      makeIssue(-1, {}, "dedup.key", "dedup_key_source_only", {
        ru: "ключ дубликатов может содержать только поля запроса ({{source.…}})",
        en: "the duplicate key may contain only request fields ({{source.…}})",
      }),
    ];
  return [];
}

/**
 * The graph's rules: edges join existing steps and go forward in `steps` order (so there are no
 * cycles and one pass walks it); the source and an ordinary step have at most one next step; an
 * «Условие» has at most one edge per branch and only its own branch keys; every step is reachable.
 */
export function validateGraph(def: PipelineDefinition): ValidationIssue[] {
  if (!def.edges) return [];
  const issues: ValidationIssue[] = [];
  const index = new Map(def.steps.map((s, i) => [s.id, i]));
  const stepAt = (id: string) => def.steps[index.get(id)!];
  const out = new Map<string, Set<string>>();
  const reached = new Set<string>();
  const incoming = new Map<string, string[]>();
  def.edges.forEach((e, i) => {
    const where = `edges[${i}]`;
    const fromIdx = e.from === SOURCE_NODE ? -1 : index.get(e.from);
    const toIdx = index.get(e.to);
    if (fromIdx === undefined || toIdx === undefined) {
      const id = fromIdx === undefined ? e.from : e.to;
      issues.push(
        makeIssue(-1, {}, where, "unknown_edge_step", { ru: `связь ведёт к шагу «${id}», которого нет`, en: `an edge refers to a missing step "${id}"` }),
      );
      return;
    }
    const target = stepAt(e.to);
    if (toIdx <= fromIdx) {
      issues.push(
        makeIssue(toIdx, target, where, "backward_edge", {
          ru: "связь ведёт назад по цепочке (циклы не поддерживаются)",
          en: "an edge goes backwards (loops are not supported)",
        }),
      );
      return;
    }
    const from = fromIdx >= 0 ? stepAt(e.from) : null;
    const action = from ? getAction(from.type) : undefined;
    const key = e.branch ?? "";
    if (action?.flow === "branch") {
      const parsed = action.configSchema.safeParse(from!.config);
      const keys = parsed.success && action.branches ? action.branches(parsed.data).map((b) => b.key) : null;
      if (!e.branch || (keys && !keys.includes(e.branch))) {
        issues.push(
          makeIssue(fromIdx, from!, where, "unknown_branch", {
            ru: `у связи нет ветки этого условия («${e.branch ?? ""}»)`,
            en: `the edge has no branch of this condition ("${e.branch ?? ""}")`,
          }),
        );
      }
    } else if (e.branch) {
      issues.push(
        makeIssue(Math.max(fromIdx, -1), from ?? {}, where, "branch_on_plain", {
          ru: "ветки бывают только у шага «Условие»",
          en: "only a Condition step has branches",
        }),
      );
    }
    const seen = out.get(e.from) ?? new Set<string>();
    if (seen.has(key)) {
      issues.push(
        makeIssue(
          fromIdx,
          from ?? {},
          where,
          "fan_out",
          e.branch
            ? { ru: "из одной ветки может выходить только одна связь", en: "a branch may have only one outgoing edge" }
            : {
                ru: "после шага может идти только один следующий шаг (для развилки используйте «Условие»)",
                en: "a step may have only one next step (use a Condition to branch)",
              },
        ),
      );
    }
    seen.add(key);
    out.set(e.from, seen);
    const list = incoming.get(e.to) ?? [];
    list.push(e.from);
    incoming.set(e.to, list);
  });
  for (const s of def.steps) {
    if ((incoming.get(s.id) ?? []).some((f) => f === SOURCE_NODE || reached.has(f))) reached.add(s.id);
  }
  def.steps.forEach((s, i) => {
    if (!reached.has(s.id))
      issues.push(
        makeIssue(i, s, "", "unreachable", {
          ru: "шаг не связан с началом обработки: соедините его с предыдущим шагом",
          en: "the step is not connected to the start: link it to an earlier step",
        }),
      );
  });
  return issues;
}

// Schedule problems as validation issues («Источник «Каждое утро»: «Время» — укажите время…»).
// Reads the raw input, so a schedule that fails the definition schema gets these messages instead
// of zod's.
/** True for a zod issue inside some source's `schedule` (scheduleIssuesOf reports those). */
function isSchedulePath(path: readonly PropertyKey[]): boolean {
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
