// The chain executor: the worker (execute-run.ts) and «Проверить шаг» both run steps through here,
// so a tested step behaves exactly as it will in production. No storage and no node:* — the caller
// passes in the HTTP client, credentials and callbacks, and persists what comes back.
import type { StepDefinition } from "../pipelines/definition";
import { ActionError, OutboundError, type ActionContext, type ErrorDetail, type HttpClient, type Localized, type Resolver } from "../actions/define-action";
import { getAction, validateStep } from "../actions/registry";
import {
  collectTokens,
  renderJson,
  renderText,
  renderUrl,
  renderValue,
  TemplateError,
  type OnMissing,
  type TemplateScope,
} from "./templates";
import { createMasker, type Masker } from "./mask";
import { truncateJson } from "./truncate";

export type StepOutputs = Record<string, Record<string, unknown>>;

/** Name → secret map, or a lookup (called once per credential name the steps use). */
export type CredentialSource =
  | Record<string, string>
  | ((name: string) => string | undefined | Promise<string | undefined>);

/** What the caller supplies for each step's ctx; runId/stepId/signal are filled in here. */
export type StepContextParts = {
  http: HttpClient;
  log?: (message: string, data?: Record<string, unknown>) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
};
export type ContextFactory = (step: StepDefinition, index: number) => StepContextParts;

/** `detail` is the structured form the run page explains (RunStep.errorDetail). */
export type StepError = { message: string; messageEn: string; code: string; detail?: ErrorDetail };

export type StepRecord = {
  stepId: string;
  /** 0-based position in the definition. */
  index: number;
  name: string;
  type: string;
  status: "succeeded" | "failed";
  /** The resolved input (secrets masked, capped); null when resolution itself failed. */
  input: unknown;
  /** Outputs by key (secrets masked, capped); null on failure. */
  output: unknown;
  error: StepError | null;
  attempts: number;
  startedAt: Date;
  durationMs: number;
};

export type StepStartEvent = { stepId: string; index: number; name: string; type: string; startedAt: Date };

export type RunStepsOptions = {
  runId: string;
  steps: StepDefinition[];
  source: unknown;
  credentials: CredentialSource;
  context: ContextFactory;
  /** Outputs of steps already done (resuming at `startIndex`, or testing one step). */
  previousOutputs?: StepOutputs;
  /** First step to execute (0-based); earlier steps are taken from previousOutputs. */
  startIndex?: number;
  signal?: AbortSignal;
  onStepStart?: (event: StepStartEvent) => void | Promise<void>;
  onStepEnd?: (record: StepRecord) => void | Promise<void>;
  /** Cap per recorded input and per recorded output (STEP_HISTORY_MAX_BYTES). */
  maxRecordBytes?: number;
};

export type RunStepsResult = {
  status: "succeeded" | "failed";
  records: StepRecord[];
  /** Real (unmasked, uncapped) outputs by step id, including previousOutputs. */
  outputs: StepOutputs;
  /** Names the step: «Шаг 5 «Создать сделку»: HTTP 422 от api.weeek.net: …». */
  error: ({ stepId: string; index: number } & StepError) | null;
};

const DEFAULT_RECORD_BYTES = 256 * 1024;

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function loadCredentials(steps: StepDefinition[], source: CredentialSource): Promise<Record<string, string>> {
  if (typeof source !== "function") return source;
  const names = new Set<string>();
  for (const s of steps) for (const t of collectTokens(s.config)) if (t.kind === "credential") names.add(t.name);
  const out: Record<string, string> = {};
  for (const name of names) {
    const secret = await source(name);
    if (secret !== undefined) out[name] = secret;
  }
  return out;
}

function stepTitle(index: number, step: StepDefinition): Localized {
  const name = step.name.trim();
  return name
    ? { ru: `Шаг ${index + 1} «${name}»`, en: `Step ${index + 1} "${name}"` }
    : { ru: `Шаг ${index + 1}`, en: `Step ${index + 1}` };
}

function maskDetail(d: ErrorDetail, masker: Masker): ErrorDetail {
  return {
    ...d,
    ...(d.body !== undefined ? { body: masker.text(d.body) } : {}),
    ...(d.message !== undefined ? { message: masker.text(d.message) } : {}),
  };
}

function toStepError(e: unknown, masker: Masker, step: StepDefinition): StepError & { attempts?: number } {
  const names = [...new Set(collectTokens(step.config).flatMap((t) => (t.kind === "credential" ? [t.name] : [])))];
  const withNames = (d: ErrorDetail): ErrorDetail => (names.length ? { ...d, credentials: names } : d);
  if (e instanceof ActionError) {
    const detail = withNames(maskDetail(e.detail ?? { kind: e.code === "invalid_config" ? "config" : "other" }, masker));
    return { message: masker.text(e.message), messageEn: masker.text(e.messageEn), code: e.code, attempts: e.attempts, detail };
  }
  if (e instanceof TemplateError) {
    const kind = e.code === "credential" ? "auth" : "template";
    return { message: masker.text(e.message), messageEn: masker.text(e.messageEn), code: `template_${e.code}`, detail: withNames({ kind, field: e.field }) };
  }
  if (e instanceof OutboundError) {
    const kind = e.code === "blocked" ? "private-address" : e.code === "timeout" ? "timeout" : "network";
    return { message: masker.text(e.message), messageEn: masker.text(e.message), code: e.code, detail: withNames({ kind }) };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { message: masker.text(msg), messageEn: masker.text(msg), code: "internal", detail: withNames({ kind: "other" }) };
}

function makeResolver(scope: TemplateScope, onMissing: OnMissing): Resolver {
  return {
    onMissing,
    text: (t, field) => renderText(t, scope, { field, onMissing }),
    url: (t, field) => renderUrl(t, scope, { field, onMissing }),
    value: (t, field, cast) => renderValue(t, scope, { field, onMissing, cast }),
    json: (t, field) => renderJson(t, scope, { field, onMissing }),
  };
}

type ExecOne = {
  runId: string;
  step: StepDefinition;
  index: number;
  source: unknown;
  outputs: StepOutputs;
  credentials: Record<string, string>;
  masker: Masker;
  parts: StepContextParts;
  signal: AbortSignal;
  maxRecordBytes: number;
};

type CheckedStep =
  | { ok: true; action: NonNullable<ReturnType<typeof getAction>>; config: Record<string, unknown> }
  | { ok: false; error: ActionError };

// A step's configuration is validated and parsed (zod, JSON templates) once per step object, not
// once per run: the worker runs the same cached, never-mutated definitions over and over. The
// entry remembers the type and config it was made from, so a replaced config is checked again.
const checkedSteps = new WeakMap<StepDefinition, { type: string; config: unknown; index: number; result: CheckedStep }>();

function checkedStep(step: StepDefinition, index: number): CheckedStep {
  const hit = checkedSteps.get(step);
  if (hit && hit.type === step.type && hit.config === step.config && hit.index === index) return hit.result;
  let result: CheckedStep;
  const action = getAction(step.type);
  const issues = validateStep(step, index);
  if (!action || issues.length > 0) {
    const ru = issues.map((i) => `${i.label?.ru ?? i.path} — ${i.message.ru}`).join("; ");
    const en = issues.map((i) => `${i.label?.en ?? i.path} — ${i.message.en}`).join("; ");
    result = { ok: false, error: new ActionError(`Неверная настройка: ${ru}`, `Invalid configuration: ${en}`, "invalid_config") };
  } else {
    result = { ok: true, action, config: action.configSchema.parse(step.config) as Record<string, unknown> };
  }
  checkedSteps.set(step, { type: step.type, config: step.config, index, result });
  return result;
}

async function executeStep(o: ExecOne): Promise<{ record: StepRecord; output: Record<string, unknown> | null }> {
  const startedAt = new Date();
  const t0 = performance.now();
  const { step, index, masker } = o;
  const secretValues = Object.values(o.credentials).filter((v) => v !== "");
  const base = { stepId: step.id, index, name: step.name, type: step.type, startedAt };
  let input: unknown = null;
  const fail = (e: unknown) => {
    const err = toStepError(e, masker, step);
    const record: StepRecord = {
      ...base,
      status: "failed",
      input: input === null ? null : truncateJson(masker.value(input), o.maxRecordBytes),
      output: null,
      error: { message: err.message, messageEn: err.messageEn, code: err.code, ...(err.detail ? { detail: err.detail } : {}) },
      attempts: err.attempts ?? 1,
      durationMs: Math.round(performance.now() - t0),
    };
    return { record, output: null };
  };

  const checked = checkedStep(step, index);
  if (!checked.ok) return fail(checked.error);
  const { action, config } = checked;
  const onMissing: OnMissing = config.onMissing === "empty" ? "empty" : "fail";
  try {
    const scope: TemplateScope = { source: o.source, steps: o.outputs, credentials: o.credentials };
    input = action.resolve(config, makeResolver(scope, onMissing));
    if (o.signal.aborted) throw new ActionError("Выполнение отменено", "Execution cancelled", "aborted");
    const ctx: ActionContext = {
      runId: o.runId,
      stepId: step.id,
      signal: o.signal,
      // The credential values go along so that a redirect to another origin drops every header carrying one.
      http: secretValues.length === 0 ? o.parts.http : (req) => o.parts.http({ ...req, secretValues }),
      log: (message, data) => o.parts.log?.(masker.text(message), data ? masker.value(data) : undefined),
      sleep: o.parts.sleep ?? defaultSleep,
    };
    const result = await action.run(input, ctx);
    const record: StepRecord = {
      ...base,
      status: "succeeded",
      input: truncateJson(masker.value(input), o.maxRecordBytes),
      output: truncateJson(masker.value(result.output), o.maxRecordBytes),
      error: null,
      attempts: result.attempts ?? 1,
      durationMs: Math.round(performance.now() - t0),
    };
    return { record, output: result.output };
  } catch (e) {
    return fail(e);
  }
}

/** Runs the steps in order; the first failure stops the chain. */
export async function runSteps(opts: RunStepsOptions): Promise<RunStepsResult> {
  const start = opts.startIndex ?? 0;
  const toRun = opts.steps.slice(start);
  const credentials = await loadCredentials(toRun, opts.credentials);
  const masker = createMasker(Object.values(credentials));
  const outputs: StepOutputs = { ...(opts.previousOutputs ?? {}) };
  const records: StepRecord[] = [];
  const signal = opts.signal ?? new AbortController().signal;
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_RECORD_BYTES;

  for (let index = start; index < opts.steps.length; index++) {
    const step = opts.steps[index];
    await opts.onStepStart?.({ stepId: step.id, index, name: step.name, type: step.type, startedAt: new Date() });
    const { record, output } = await executeStep({
      runId: opts.runId,
      step,
      index,
      source: opts.source,
      outputs,
      credentials,
      masker,
      parts: opts.context(step, index),
      signal,
      maxRecordBytes,
    });
    records.push(record);
    await opts.onStepEnd?.(record);
    if (record.status === "failed" || !output) {
      const title = stepTitle(index, step);
      const err = record.error!;
      return {
        status: "failed",
        records,
        outputs,
        error: { stepId: step.id, index, code: err.code, message: `${title.ru}: ${err.message}`, messageEn: `${title.en}: ${err.messageEn}` },
      };
    }
    outputs[step.id] = output;
  }
  return { status: "succeeded", records, outputs, error: null };
}

export type TestStepOptions = Omit<RunStepsOptions, "startIndex" | "previousOutputs" | "onStepStart" | "onStepEnd"> & {
  stepId: string;
  /** Outputs of the steps before it (from earlier tests or a previous run). */
  outputs: StepOutputs;
};

export type TestStepResult = {
  record: StepRecord;
  /** The step's outputs with secrets masked but not capped; null on failure. */
  output: Record<string, unknown> | null;
};

/** «Проверить шаг»: runs one step of `steps` with the given earlier outputs, via the same code. */
export async function testStep(opts: TestStepOptions): Promise<TestStepResult> {
  const index = opts.steps.findIndex((s) => s.id === opts.stepId);
  if (index < 0) throw new Error(`step ${opts.stepId} not in the definition`);
  const step = opts.steps[index];
  const credentials = await loadCredentials([step], opts.credentials);
  const masker = createMasker(Object.values(credentials));
  const { record, output } = await executeStep({
    runId: opts.runId,
    step,
    index,
    source: opts.source,
    outputs: opts.outputs,
    credentials,
    masker,
    parts: opts.context(step, index),
    signal: opts.signal ?? new AbortController().signal,
    maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_RECORD_BYTES,
  });
  return { record, output: output ? masker.value(output) : null };
}
