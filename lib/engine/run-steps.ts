// The chain executor: the worker (execute-run.ts) and «Проверить шаг» both run steps through here,
// so a tested step behaves exactly as it will in production. No storage and no node:* — the caller
// passes in the HTTP client, credentials and callbacks, and persists what comes back.
import { SOURCE_NODE, type EdgeDefinition, type StepDefinition } from "../definition/schema";
import {
  ActionError,
  NEVER_ABORTED,
  OutboundError,
  type ActionContext,
  type ErrorDetail,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type Resolver,
  type StoreClient,
} from "../actions/define-action";
import { getAction, validateStep } from "../actions/registry";
import { stepTitle } from "../definition/step-title";
import type { RecordJson, StepError, StepOutputs, StepRecord } from "../actions/step-record";
import {
  collectTokens,
  renderJson,
  renderText,
  renderUrl,
  renderValue,
  TemplateError,
  type CastType,
  type OnMissing,
  type TemplateScope,
} from "../definition/placeholders";
import { createMasker, type Masker } from "../security/mask";
import { capJson } from "../definition/truncate";

/** Name → secret map, or a lookup (called once per credential name the steps use). */
export type CredentialSource = Record<string, string> | ((name: string) => string | undefined | Promise<string | undefined>);

/** What the caller supplies for each step's ctx; runId/stepId/signal are filled in here. */
export type StepContextParts = {
  http: HttpClient;
  store?: StoreClient;
  log?: (message: string, data?: Record<string, unknown>) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  rateLimit?: ActionContext["rateLimit"];
  now?: () => number;
};
export type ContextFactory = (step: StepDefinition, index: number) => StepContextParts;

export type StepStartEvent = { stepId: string; index: number; name: string; type: string; startedAt: Date };

export type RunStepsOptions = {
  runId: string;
  steps: StepDefinition[];
  /** The graph (lib/definition/schema.ts edgesOf); absent = the plain chain. */
  edges?: EdgeDefinition[];
  source: unknown;
  credentials: CredentialSource;
  context: ContextFactory;
  /**
   * Outputs of steps already done: a step on the path found here is not executed again (resume
   * after a crash, re-run from a step, a «Задержка» waking up).
   */
  previousOutputs?: StepOutputs;
  /**
   * First step that may execute (0-based, re-run from a step): an earlier step on the path must
   * be in previousOutputs, otherwise the run fails with missingEarlier's message.
   */
  startIndex?: number;
  missingEarlier?: (step: StepDefinition, index: number) => string;
  /** Now (ms), for «Задержка»; a step waking before its time parks the run again. */
  now?: () => number;
  signal?: AbortSignal;
  onStepStart?: (event: StepStartEvent) => void | Promise<void>;
  /** `json`: the record's input and output as the JSON texts measured for the cap (the history row stores them). */
  onStepEnd?: (record: StepRecord, json: RecordJson) => void | Promise<void>;
  /** Cap per recorded input and per recorded output (STEP_HISTORY_MAX_BYTES). */
  maxRecordBytes?: number;
};

export type SkippedStep = { stepId: string; index: number; name: string; type: string };

export type RunStepsResult = {
  /** "filtered": a «Фильтр» did not pass; "waiting": a «Задержка» parks the run until waitUntil. */
  status: "succeeded" | "failed" | "filtered" | "waiting";
  records: StepRecord[];
  /** Steps not on the path taken (only when the run ended: succeeded or filtered). */
  skipped: SkippedStep[];
  waitUntil?: Date;
  /** The «Фильтр» that stopped the run / the «Задержка» it waits in. */
  stoppedAt?: string;
  /** Real (unmasked, uncapped) outputs by step id, including previousOutputs. */
  outputs: StepOutputs;
  /** Names the step: «Шаг 5 «Создать сделку»: HTTP 422 от api.weeek.net: …». */
  error: ({ stepId: string; index: number } & StepError) | null;
};

const DEFAULT_RECORD_BYTES = 256 * 1024;

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal === NEVER_ABORTED) return new Promise((resolve) => setTimeout(resolve, ms));
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

// Credential names a step's configuration refers to, found once per step object (the worker runs
// the same cached, never-mutated definitions over and over; a replaced config is read again).
const credentialNameCache = new WeakMap<StepDefinition, { config: unknown; names: string[] }>();

function credentialNames(step: StepDefinition): string[] {
  const hit = credentialNameCache.get(step);
  if (hit && hit.config === step.config) return hit.names;
  const names = [...new Set(collectTokens(step.config).flatMap((t) => (t.kind === "credential" ? [t.name] : [])))];
  credentialNameCache.set(step, { config: step.config, names });
  return names;
}

/** The secrets the steps refer to; no promise when they refer to none (most runs). */
function loadCredentials(steps: StepDefinition[], source: CredentialSource): Record<string, string> | Promise<Record<string, string>> {
  if (typeof source !== "function") return source;
  let names: Set<string> | undefined;
  for (const s of steps) for (const name of credentialNames(s)) (names ??= new Set()).add(name);
  return names ? lookUp(names, source) : {};
}

async function lookUp(names: Set<string>, source: (name: string) => string | undefined | Promise<string | undefined>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const secret = await source(name);
    if (secret !== undefined) out[name] = secret;
  }
  return out;
}

/** The masker for a run's (or a tested step's) credentials, and their non-empty values. */
function secretsOf(credentials: Record<string, string>): { masker: Masker; secretValues: string[] } {
  const values = Object.values(credentials);
  return { masker: createMasker(values), secretValues: values.filter((v) => v !== "") };
}

function maskDetail(d: ErrorDetail, masker: Masker): ErrorDetail {
  return {
    ...d,
    ...(d.body !== undefined ? { body: masker.text(d.body) } : {}),
    ...(d.message !== undefined ? { message: masker.text(d.message) } : {}),
  };
}

function toStepError(e: unknown, masker: Masker, step: StepDefinition): StepError & { attempts?: number } {
  const names = credentialNames(step);
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

/** Renders a step's templates in its scope (methods on the prototype: no closures per step). */
class ScopeResolver implements Resolver {
  constructor(
    private readonly scope: TemplateScope,
    readonly onMissing: OnMissing,
  ) {}
  text(t: string, field: string): string {
    return renderText(t, this.scope, { field, onMissing: this.onMissing });
  }
  url(t: string, field: string): string {
    return renderUrl(t, this.scope, { field, onMissing: this.onMissing });
  }
  value(t: string, field: string, cast?: CastType): unknown {
    return renderValue(t, this.scope, { field, onMissing: this.onMissing, cast });
  }
  json(t: string, field: string): unknown {
    return renderJson(t, this.scope, { field, onMissing: this.onMissing });
  }
}

type ExecOne = {
  runId: string;
  step: StepDefinition;
  index: number;
  source: unknown;
  outputs: StepOutputs;
  credentials: Record<string, string>;
  /** The non-empty credential values (a redirect to another origin drops headers carrying one). */
  secretValues: string[];
  masker: Masker;
  parts: StepContextParts;
  signal: AbortSignal;
  maxRecordBytes: number;
};

/** What an action sees of its run (fields and prototype methods: no closures per step). */
class StepContext implements ActionContext {
  readonly runId: string;
  readonly stepId: string;
  readonly signal: AbortSignal;
  readonly sleep: ActionContext["sleep"];
  readonly rateLimit: ActionContext["rateLimit"];
  readonly now: ActionContext["now"];
  constructor(private readonly o: ExecOne) {
    this.runId = o.runId;
    this.stepId = o.step.id;
    this.signal = o.signal;
    this.sleep = o.parts.sleep ?? defaultSleep;
    this.rateLimit = o.parts.rateLimit;
    this.now = o.parts.now;
  }
  /** Read when a step uses it: the caller may make its client only then. */
  get store(): StoreClient | undefined {
    return this.o.parts.store;
  }
  http(req: HttpRequest): Promise<HttpResponse> {
    const o = this.o;
    // The credential values go along so that a redirect to another origin drops every header carrying one.
    return o.secretValues.length === 0 ? o.parts.http(req) : o.parts.http({ ...req, secretValues: o.secretValues });
  }
  log(message: string, data?: Record<string, unknown>): void {
    const o = this.o;
    o.parts.log?.(o.masker.text(message), data ? o.masker.value(data) : undefined);
  }
}

type CheckedStep = { ok: true; action: NonNullable<ReturnType<typeof getAction>>; config: Record<string, unknown> } | { ok: false; error: ActionError };

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

/** A step's record; one literal shape for every record, so they share one hidden class. */
function stepRecord(
  o: ExecOne,
  startedAt: Date,
  status: StepRecord["status"],
  input: unknown,
  output: unknown,
  error: StepError | null,
  attempts: number,
  durationMs: number,
): StepRecord {
  return { stepId: o.step.id, index: o.index, name: o.step.name, type: o.step.type, startedAt, status, input, output, error, attempts, durationMs };
}

type StepResult = { record: StepRecord; output: Record<string, unknown> | null; json: RecordJson };

function failedStep(o: ExecOne, startedAt: Date, t0: number, input: unknown, e: unknown): StepResult {
  const err = toStepError(e, o.masker, o.step);
  const capped = input === null ? { value: null, json: "null" } : capJson(o.masker.value(input), o.maxRecordBytes);
  const error: StepError = { message: err.message, messageEn: err.messageEn, code: err.code, ...(err.detail ? { detail: err.detail } : {}) };
  const record = stepRecord(o, startedAt, "failed", capped.value, null, error, err.attempts ?? 1, Math.round(performance.now() - t0));
  return { record, output: null, json: { input: capped.json, output: "null" } };
}

async function executeStep(o: ExecOne): Promise<StepResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const { step, masker } = o;
  const checked = checkedStep(step, o.index);
  if (!checked.ok) return failedStep(o, startedAt, t0, null, checked.error);
  const { action, config } = checked;
  const onMissing: OnMissing = config.onMissing === "empty" ? "empty" : "fail";
  let input: unknown = null;
  try {
    const scope: TemplateScope = { source: o.source, steps: o.outputs, credentials: o.credentials };
    input = action.resolve(config, new ScopeResolver(scope, onMissing));
    if (o.signal.aborted) throw new ActionError("Выполнение отменено", "Execution cancelled", "aborted");
    const ctx = new StepContext(o);
    const result = await action.run(input, ctx);
    const cappedInput = capJson(masker.value(input), o.maxRecordBytes);
    const cappedOutput = capJson(masker.value(result.output), o.maxRecordBytes);
    const durationMs = Math.round(performance.now() - t0);
    const record = stepRecord(o, startedAt, "succeeded", cappedInput.value, cappedOutput.value, null, result.attempts ?? 1, durationMs);
    return { record, output: result.output, json: { input: cappedInput.json, output: cappedOutput.json } };
  } catch (e) {
    return failedStep(o, startedAt, t0, input, e);
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

type Walk = { incoming: (EdgeDefinition[] | undefined)[] };
// Incoming edges per step index, computed once per (cached, never-mutated) definition.
const walks = new WeakMap<StepDefinition[], { edges: EdgeDefinition[] | undefined; walk: Walk }>();

function walkOf(steps: StepDefinition[], edges: EdgeDefinition[] | undefined): Walk {
  const hit = walks.get(steps);
  if (hit && hit.edges === edges) return hit.walk;
  const byId = new Map(steps.map((s, i) => [s.id, i]));
  const incoming: (EdgeDefinition[] | undefined)[] = new Array(steps.length);
  if (!edges) {
    steps.forEach((s, i) => (incoming[i] = [{ from: i === 0 ? SOURCE_NODE : steps[i - 1].id, to: s.id }]));
  } else {
    for (const e of edges) {
      const i = byId.get(e.to);
      if (i === undefined) continue;
      (incoming[i] ??= []).push(e);
    }
  }
  const walk = { incoming };
  walks.set(steps, { edges, walk });
  return walk;
}

/**
 * Walks the graph in `steps` order (every edge goes forward): a step runs when an edge reaches it
 * from the source or from a step that ran — for an «Условие» only the edges of the branch it chose.
 * The first failure stops the run; a «Фильтр» that does not pass ends it "filtered"; a «Задержка»
 * whose time has not come ends this pass "waiting".
 */
export async function runSteps(opts: RunStepsOptions): Promise<RunStepsResult> {
  const start = opts.startIndex ?? 0;
  const steps = opts.steps;
  const previous = opts.previousOutputs ?? {};
  const toRun = start === 0 && isEmpty(previous) ? steps : steps.filter((s, i) => i >= start && !(s.id in previous));
  const loaded = loadCredentials(toRun, opts.credentials);
  const credentials = loaded instanceof Promise ? await loaded : loaded;
  const { masker, secretValues } = secretsOf(credentials);
  const outputs: StepOutputs = {};
  const records: StepRecord[] = [];
  const signal = opts.signal ?? NEVER_ABORTED;
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_RECORD_BYTES;
  const { incoming } = walkOf(steps, opts.edges);
  const now = opts.now ?? Date.now;
  // Steps that ran (or were taken from previous), with the branch an «Условие» chose.
  const ran = new Map<string, string | null>();
  const reachedBy = (i: number) => {
    const list = incoming[i];
    if (!list) return false;
    for (const e of list) {
      if (e.from === SOURCE_NODE) return true;
      const branch = ran.get(e.from);
      if (branch === undefined) continue;
      if (e.branch === undefined || e.branch === branch) return true;
    }
    return false;
  };
  const branchOf = (step: StepDefinition, output: Record<string, unknown>) =>
    getAction(step.type)?.flow === "branch" && typeof output.branch === "string" ? output.branch : null;
  const end = (status: "succeeded" | "filtered", stoppedAt?: string): RunStepsResult => {
    const skipped: SkippedStep[] = [];
    steps.forEach((s, i) => {
      if (!ran.has(s.id)) skipped.push({ stepId: s.id, index: i, name: s.name, type: s.type });
    });
    return { status, records, outputs, error: null, skipped, stoppedAt };
  };
  const failed = (index: number, step: StepDefinition, err: StepError): RunStepsResult => {
    const title = stepTitle(index, step.name);
    return {
      status: "failed",
      records,
      outputs,
      skipped: [],
      error: { stepId: step.id, index, code: err.code, message: `${title.ru}: ${err.message}`, messageEn: `${title.en}: ${err.messageEn}` },
    };
  };

  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    if (!reachedBy(index)) {
      // Not on the path: a later step (after a join) reading its fields sees them as missing and
      // follows its «если значения нет» setting, instead of failing on «шаг не выполнялся».
      outputs[step.id] = {};
      continue;
    }
    const flow = getAction(step.type)?.flow;
    let output: Record<string, unknown> | null | undefined = previous[step.id];
    if (output) {
      outputs[step.id] = output;
    } else if (index < start) {
      const message = opts.missingEarlier?.(step, index) ?? `step ${step.id} was not done`;
      return { status: "failed", records, outputs, skipped: [], error: { stepId: step.id, index, code: "rerun_missing", message, messageEn: message } };
    } else {
      // Awaited only when there is something to wait for: each await is a promise, its reaction
      // and a turn of the microtask queue, per step of every run.
      if (opts.onStepStart) await opts.onStepStart({ stepId: step.id, index, name: step.name, type: step.type, startedAt: new Date() });
      const res = await executeStep({
        runId: opts.runId,
        step,
        index,
        source: opts.source,
        outputs,
        credentials,
        secretValues,
        masker,
        parts: opts.context(step, index),
        signal,
        maxRecordBytes,
      });
      records.push(res.record);
      const ended = opts.onStepEnd?.(res.record, res.json);
      if (ended) await ended;
      if (res.record.status === "failed" || !res.output) return failed(index, step, res.record.error!);
      output = res.output;
      outputs[step.id] = output;
    }
    ran.set(step.id, branchOf(step, output));
    if (flow === "filter" && output.passed === false) return end("filtered", step.id);
    if (flow === "delay" && typeof output.until === "string") {
      const until = Date.parse(output.until);
      if (until > now()) return { status: "waiting", records, outputs, error: null, skipped: [], waitUntil: new Date(until), stoppedAt: step.id };
    }
  }
  return end("succeeded");
}

export type TestStepOptions = Omit<RunStepsOptions, "startIndex" | "previousOutputs" | "onStepStart" | "onStepEnd" | "missingEarlier" | "edges" | "now"> & {
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
  const { masker, secretValues } = secretsOf(credentials);
  const { record, output } = await executeStep({
    runId: opts.runId,
    step,
    index,
    source: opts.source,
    outputs: opts.outputs,
    credentials,
    secretValues,
    masker,
    parts: opts.context(step, index),
    signal: opts.signal ?? NEVER_ABORTED,
    maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_RECORD_BYTES,
  });
  return { record, output: output ? masker.value(output) : null };
}
