// Executes one Run in the worker: loads it with the pipeline version it was received for, runs the
// steps through run-steps.ts and records every step through the batched history writer.
//
// Durability points. Step rows of pure steps (composer, parser) are held in memory and committed
// with the next write; a step that talks to the outside world (HTTP) is committed before the chain
// goes on, so a worker killed later resumes AFTER it and a completed POST is not sent again (the
// Idempotency-Key runId:stepId covers the one step that may be in flight when a worker dies).
// The run's final status commits in the same statement as its last rows.
//
// Resuming. A re-delivered run (stalled job, BullMQ retry) continues after its last committed
// successful step; a re-run created by the history page (rerunOfId + resumeFromStepId) takes the
// earlier steps' outputs from the original run and copies their rows, so its detail shows the chain.
import type pg from "pg";
import { pool as defaultPool } from "../db";
import { env } from "../env";
import type { HttpClient } from "../actions/define-action";
import { definitionSchema, sourceOfRun, sourcesOf, sourceScope, type PipelineDefinition, type StepDefinition } from "../definition/schema";
import { getAction } from "../actions/registry";
import { resolveCredentials } from "../credentials/resolve-credentials";
import { storeClientFor } from "../store/store-client";
import { claimDedupKey, dedupKeyOf, markDuplicate } from "../webhooks/dedup";
import { searchTermsOf } from "../runs/search-terms";
import { createHistoryWriter, type HistoryWriter, type StepRow } from "../runs/history-writer";
import { runSteps, type SkippedStep } from "./run-steps";
import type { StepOutputs, StepRecord } from "../actions/step-record";
import { outboundHttpFromEnv } from "../security/outbound-http";
import { isTruncated, toJson, truncateJson } from "../definition/truncate";

/** Actions without side effects: repeating them after a crash is harmless, so they need no commit of their own. */
const PURE_ACTIONS = new Set(["json-composer", "json-parser", "filter", "condition", "delay", "store-find"]);

/** What a step is shrunk to once its run's history is over RUN_HISTORY_MAX_BYTES. */
const OVER_RUN_CAP_BYTES = 1024;

const MAX_SEARCH_TERMS = 400;

export type ExecuteRunResult =
  | { runId: string; status: "SUCCEEDED" | "FAILED" | "FILTERED"; error: string | null; failedStepId: string | null; executedSteps: number }
  /** Parked in a «Задержка»: the caller schedules the wake-up (worker: the job moves to delayed). */
  | { runId: string; status: "WAITING"; waitUntil: Date; executedSteps: number }
  /** Woke up while its обработка is stopped: stays WAITING until the обработка is started again. */
  | { runId: string; status: "HELD"; waitUntil: Date }
  | { runId: string; status: "SKIPPED"; reason: "not_found" | "already_finished" | "not_runnable" }
  | { runId: string; status: "DUPLICATE"; duplicateOfId: string };

export type RunExecutorOptions = {
  pool?: () => pg.Pool;
  writer?: HistoryWriter;
  http?: HttpClient;
  /** userId + credential names → secrets. Defaults to the encrypted store, cached for credentialTtlMs. */
  credentials?: (userId: string, names: string[]) => Promise<Record<string, string>>;
  credentialTtlMs?: number;
  /** Redis-backed «не чаще N в секунду» (lib/engine/rate-limit.ts), scoped per user; absent = no limit. */
  rateLimiter?: (scope: string, host: string, perSecond: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  stepMaxBytes?: number;
  runMaxBytes?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
};

export type RunExecutor = {
  execute(runId: string, opts?: { signal?: AbortSignal }): Promise<ExecuteRunResult>;
  /** Marks a run FAILED with `message` (a job that crashed on its last attempt). */
  fail(runId: string, message: string): Promise<void>;
  writer: HistoryWriter;
};

type DoneStep = { stepId: string; status: string; output: unknown; input: unknown; error: string | null; attempts: number; truncated: boolean; startedAt: string; durationMs: number; actionType: string; name: string; position: number };

type LoadedRun = {
  id: string;
  status: string;
  pipelineId: string;
  userId: string;
  version: number;
  payload: unknown;
  /** The source that delivered the event (null: a run from before several sources = the first). */
  sourceId: string | null;
  method: string;
  receivedAt: Date;
  resumeFromStepId: string | null;
  rerunOfId: string | null;
  searchTerms: string[];
  /** WAITING runs: the end of their «Задержка» (ms since epoch; stored as UTC). */
  waitUntilMs: number | null;
  /** This run's own committed steps (only loaded when it was started before). */
  done: DoneStep[] | null;
  /** The original run's successful steps (re-runs only). */
  original: DoneStep[] | null;
};

const STEP_JSON = `json_build_object('stepId', s."stepId", 'status', s.status, 'output', s.output, 'input', s.input,
  'error', s.error, 'attempts', s.attempts, 'truncated', s.truncated, 'startedAt', s."startedAt", 'durationMs', s."durationMs",
  'actionType', s."actionType", 'name', s.name, 'position', s.position)`;

// One statement for all jobs that start in the same tick; a run that never started (attempts 0,
// the common case) does not even look at RunStep.
const LOAD_SQL = `
SELECT r.id, r.status, r."pipelineId", r."userId", r.version, r.payload, r."sourceId", r.method, r."receivedAt", r."resumeFromStepId", r."rerunOfId",
       r."searchTerms", (extract(epoch FROM r."waitUntil") * 1000)::float8 AS "waitUntilMs",
       CASE WHEN r.attempts > 0 THEN
         (SELECT json_agg(${STEP_JSON} ORDER BY s.position) FROM "RunStep" s WHERE s."runId" = r.id)
       END AS done,
       CASE WHEN r."rerunOfId" IS NOT NULL AND r."resumeFromStepId" IS NOT NULL THEN
         (SELECT json_agg(${STEP_JSON} ORDER BY s.position) FROM "RunStep" s
           WHERE s."runId" = r."rerunOfId" AND s.status = 'SUCCEEDED')
       END AS original
FROM "Run" r WHERE r.id = ANY($1::uuid[])`;

const VERSIONS_SQL = `
SELECT v."pipelineId", v.version, v.definition
FROM "PipelineVersion" v
JOIN unnest($1::uuid[], $2::int[]) AS k("pipelineId", version)
  ON v."pipelineId" = k."pipelineId" AND v.version = k.version`;

/** Gathers calls made in the same tick into one batched call. */
function tickBatcher<K, V>(load: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let pending: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  return (key) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) {
        setImmediate(() => {
          const batch = pending;
          pending = [];
          const keys = [...new Set(batch.map((b) => b.key))];
          load(keys).then(
            (m) => batch.forEach((b) => b.resolve(m.get(b.key))),
            (e) => batch.forEach((b) => b.reject(e)),
          );
        });
      }
      pending.push({ key, resolve, reject });
    });
}

function serialize(value: unknown): string {
  return toJson(value);
}

export function createRunExecutor(options: RunExecutorOptions = {}): RunExecutor {
  const getPool = options.pool ?? defaultPool;
  const writer = options.writer ?? createHistoryWriter({ pool: getPool });
  let http = options.http;
  const stepMaxBytes = options.stepMaxBytes ?? env().STEP_HISTORY_MAX_BYTES;
  const runMaxBytes = options.runMaxBytes ?? env().RUN_HISTORY_MAX_BYTES;
  const credentialTtlMs = options.credentialTtlMs ?? 5_000;

  const loadRun = tickBatcher<string, LoadedRun>(async (ids) => {
    const res = await getPool().query<LoadedRun>(LOAD_SQL, [ids]);
    return new Map(res.rows.map((r) => [r.id, r]));
  });

  // A saved version never changes, so parsed definitions are kept (bounded).
  const definitions = new Map<string, PipelineDefinition | null>();
  const loadVersion = tickBatcher<string, PipelineDefinition | null>(async (keys) => {
    const split = keys.map((k) => k.split("@"));
    const res = await getPool().query<{ pipelineId: string; version: number; definition: unknown }>(VERSIONS_SQL, [
      split.map((s) => s[0]),
      split.map((s) => Number(s[1])),
    ]);
    const out = new Map<string, PipelineDefinition | null>(keys.map((k) => [k, null]));
    for (const row of res.rows) {
      const parsed = definitionSchema.safeParse(row.definition);
      out.set(`${row.pipelineId}@${row.version}`, parsed.success ? parsed.data : null);
    }
    return out;
  });
  async function definitionFor(pipelineId: string, version: number): Promise<PipelineDefinition | null> {
    const key = `${pipelineId}@${version}`;
    if (definitions.has(key)) return definitions.get(key)!;
    const def = (await loadVersion(key)) ?? null;
    if (def) {
      if (definitions.size >= 1000) definitions.delete(definitions.keys().next().value!);
      definitions.set(key, def);
    }
    return def;
  }

  // Decrypting per run would cost a query per run; a few seconds of staleness after a credential
  // is edited is the price (docs/worker.md).
  const credentialCache = new Map<string, { at: number; value: Promise<Record<string, string>> }>();
  const fetchCredentials =
    options.credentials ?? ((userId: string, names: string[]) => resolveCredentials(userId, names));
  function credentialsFor(userId: string, names: string[]): Promise<Record<string, string>> {
    const key = `${userId}\u0000${[...names].sort().join("\u0000")}`;
    const hit = credentialCache.get(key);
    const now = Date.now();
    if (hit && now - hit.at < credentialTtlMs) return hit.value;
    const value = fetchCredentials(userId, names);
    credentialCache.set(key, { at: now, value });
    value.catch(() => credentialCache.delete(key));
    if (credentialCache.size > 5000) credentialCache.delete(credentialCache.keys().next().value!);
    return value;
  }

  function recordToRow(runId: string, r: StepRecord, budget: { used: number }): StepRow {
    let input = r.input;
    let output = r.output;
    let inputJson = serialize(input);
    let outputJson = serialize(output);
    const size = inputJson.length + outputJson.length;
    if (budget.used + size > runMaxBytes) {
      // Over the run's cap: keep a short visible preview instead of the payloads.
      input = truncateJson(input, OVER_RUN_CAP_BYTES);
      output = r.output === null ? null : truncateJson(output, OVER_RUN_CAP_BYTES);
      inputJson = serialize(input);
      outputJson = serialize(output);
    }
    budget.used += inputJson.length + outputJson.length;
    return {
      runId,
      stepId: r.stepId,
      position: r.index,
      actionType: r.type,
      name: r.name,
      status: r.status === "succeeded" ? "SUCCEEDED" : "FAILED",
      inputJson,
      outputJson,
      error: r.error?.message ?? null,
      errorDetail: r.error?.detail ?? null,
      attempts: r.attempts,
      truncated: isTruncated(input) || isTruncated(output),
      startedAt: r.startedAt,
      durationMs: r.durationMs,
    };
  }

  function copiedRow(runId: string, d: DoneStep, budget: { used: number }): StepRow {
    const inputJson = serialize(d.input);
    const outputJson = serialize(d.output);
    budget.used += inputJson.length + outputJson.length;
    return {
      runId,
      stepId: d.stepId,
      position: d.position,
      actionType: d.actionType,
      name: d.name,
      status: "SUCCEEDED",
      inputJson,
      outputJson,
      error: null,
      attempts: d.attempts,
      truncated: d.truncated,
      startedAt: new Date(d.startedAt.endsWith("Z") ? d.startedAt : `${d.startedAt}Z`),
      durationMs: d.durationMs,
    };
  }

  async function finishEarly(run: LoadedRun, startedAt: Date, rows: StepRow[], error: string, failedStepId: string | null) {
    await writer.commit(rows, {
      runId: run.id,
      status: "FAILED",
      error,
      failedStepId,
      finishedAt: new Date(),
      durationMs: Date.now() - startedAt.getTime(),
    });
    return { runId: run.id, status: "FAILED" as const, error, failedStepId, executedSteps: 0 };
  }

  function skippedRow(runId: string, sk: SkippedStep): StepRow {
    return {
      runId,
      stepId: sk.stepId,
      position: sk.index,
      actionType: sk.type,
      name: sk.name,
      status: "SKIPPED",
      inputJson: null,
      outputJson: null,
      error: null,
      attempts: 0,
      truncated: false,
      startedAt: new Date(),
      durationMs: 0,
    };
  }

  const now = options.now ?? Date.now;

  async function pipelineRunning(pipelineId: string): Promise<boolean> {
    const res = await getPool().query<{ status: string }>(`SELECT status FROM "Pipeline" WHERE id = $1`, [pipelineId]);
    return res.rows[0]?.status === "RUNNING";
  }

  async function execute(runId: string, opts: { signal?: AbortSignal } = {}): Promise<ExecuteRunResult> {
    const run = await loadRun(runId);
    if (!run) return { runId, status: "SKIPPED", reason: "not_found" };
    if (run.status !== "QUEUED" && run.status !== "RUNNING" && run.status !== "WAITING") {
      return { runId, status: "SKIPPED", reason: run.status === "SUCCEEDED" || run.status === "FAILED" || run.status === "FILTERED" ? "already_finished" : "not_runnable" };
    }
    if (run.status === "WAITING" && run.waitUntilMs !== null) {
      const until = new Date(run.waitUntilMs);
      // Woken early (a re-delivered job): park again, nothing runs twice.
      if (until.getTime() > now()) return { runId, status: "WAITING", waitUntil: until, executedSteps: 0 };
      // Stopping the обработка holds its waiting runs; starting it again releases them.
      if (!(await pipelineRunning(run.pipelineId))) return { runId, status: "HELD", waitUntil: until };
    }
    const startedAt = new Date();
    const t0 = performance.now();
    // Committed before any step can have an effect outside: a crash after this point is counted.
    await writer.start(runId, startedAt);

    const definition = await definitionFor(run.pipelineId, run.version);
    if (!definition) {
      return finishEarly(run, startedAt, [], `Версия ${run.version} обработки не найдена или повреждена`, null);
    }
    // Duplicate incoming events: checked before the first step (lib/webhooks/dedup.ts). Re-runs
    // asked for in the history are executed whatever their key; a run that already ran steps
    // (woken from «Задержка», re-delivered after a crash) is past the check.
    // Each source has its own settings (docs/sources.md); keys of different sources never match.
    const sources = sourcesOf(definition, run.pipelineId);
    const source = sourceOfRun(definition, run.sourceId, run.pipelineId);
    const dedup = source.dedup;
    if (dedup?.enabled && !run.rerunOfId && run.status !== "WAITING" && !(run.done && run.done.length > 0)) {
      const hashed = dedupKeyOf(dedup, run);
      const key = hashed && sources.length > 1 && source.id !== sources[0].id ? `${source.id}:${hashed}` : hashed;
      if (key) {
        const originalId = await claimDedupKey(getPool(), {
          pipelineId: run.pipelineId,
          key,
          runId,
          receivedAt: run.receivedAt,
          windowMinutes: dedup.windowMinutes,
        });
        if (originalId) {
          await markDuplicate(getPool(), runId, originalId, new Date());
          return { runId, status: "DUPLICATE", duplicateOfId: originalId };
        }
      }
    }

    const steps: StepDefinition[] = definition.steps;
    const budget = { used: 0 };
    const copied: StepRow[] = [];
    const previousOutputs: StepOutputs = {};
    const unusable = (d: DoneStep) => d.output === null || isTruncated(d.output) || typeof d.output !== "object";

    // Re-run from a step: the original run supplies what came before it (on the path it took).
    let startIndex = 0;
    const mine = new Set((run.done ?? []).map((d) => d.stepId));
    let missingEarlier: ((step: StepDefinition, index: number) => string) | undefined;
    if (run.resumeFromStepId) {
      const from = steps.findIndex((s) => s.id === run.resumeFromStepId);
      if (from < 0) {
        return finishEarly(run, startedAt, [], `Шаг «${run.resumeFromStepId}» не найден в версии ${run.version} обработки`, run.resumeFromStepId);
      }
      const original = new Map((run.original ?? []).map((d) => [d.stepId, d]));
      const bad = new Map<string, string>();
      for (let i = 0; i < from; i++) {
        const d = original.get(steps[i].id);
        if (!d) continue;
        if (unusable(d)) {
          bad.set(steps[i].id, "сохранён в истории не полностью (слишком большой ответ)");
          continue;
        }
        previousOutputs[steps[i].id] = d.output as Record<string, unknown>;
        if (!mine.has(d.stepId)) copied.push(copiedRow(runId, d, budget));
      }
      missingEarlier = (step, i) =>
        `Нельзя повторить с шага ${from + 1}: результат шага ${i + 1} «${step.name}» ${bad.get(step.id) ?? "не выполнен в исходном запуске"}. Повторите запуск с начала.`;
      startIndex = from;
    }

    // Re-delivery / wake-up: what this run already committed is not done again (up to the first
    // unusable row: from there on it is executed anew).
    for (const d of run.done ?? []) budget.used += serialize(d.input).length + serialize(d.output).length;
    if (run.done) {
      let cut = Number.POSITIVE_INFINITY;
      for (const d of run.done) if (d.status === "SUCCEEDED" && unusable(d)) cut = Math.min(cut, d.position);
      for (const d of run.done) {
        if (d.status === "SUCCEEDED" && d.position < cut) previousOutputs[d.stepId] = d.output as Record<string, unknown>;
      }
    }

    http ??= outboundHttpFromEnv();
    const client = http;
    const limiter = options.rateLimiter;
    const rateLimit = limiter ? (host: string, n: number, signal: AbortSignal) => limiter(run.userId, host, n, signal) : undefined;
    let pending: StepRow[] = copied;
    const result = await runSteps({
      runId,
      steps,
      edges: definition.edges,
      source: sourceScope(run.payload, source.name, sources.length),
      previousOutputs,
      startIndex,
      missingEarlier,
      signal: opts.signal,
      now,
      maxRecordBytes: stepMaxBytes,
      credentials: async (name) => (await credentialsFor(run.userId, [name]))[name],
      context: () => ({ http: client, store: storeClientFor(run.userId), log: options.log, rateLimit, now }),
      onStepEnd: async (record) => {
        pending.push(recordToRow(runId, record, budget));
        if (record.status === "succeeded" && !PURE_ACTIONS.has(record.type) && record.index < steps.length - 1) {
          const rows = pending;
          pending = [];
          await writer.commit(rows);
        }
      },
    });

    if (result.status === "waiting") {
      await writer.park(pending, runId, result.waitUntil!);
      return { runId, status: "WAITING", waitUntil: result.waitUntil!, executedSteps: result.records.length };
    }
    for (const sk of result.skipped) if (!mine.has(sk.stepId)) pending.push(skippedRow(runId, sk));
    const error = result.error?.message ?? null;
    const failedStepId = result.error?.stepId ?? null;
    const terms = new Set(run.searchTerms);
    if (terms.size < MAX_SEARCH_TERMS) {
      for (const r of result.records) {
        if (r.status !== "succeeded" || isTruncated(r.output) || getAction(r.type)?.flow) continue;
        for (const t of searchTermsOf(r.output)) {
          if (terms.size >= MAX_SEARCH_TERMS) break;
          terms.add(t);
        }
      }
    }
    const status = result.status === "succeeded" ? "SUCCEEDED" : result.status === "filtered" ? "FILTERED" : "FAILED";
    await writer.commit(pending, {
      runId,
      status,
      error,
      failedStepId,
      finishedAt: new Date(),
      durationMs: performance.now() - t0,
      searchTerms: terms.size > run.searchTerms.length ? [...terms] : undefined,
    });
    return { runId, status, error, failedStepId, executedSteps: result.records.length };
  }

  async function fail(runId: string, message: string): Promise<void> {
    await writer.commit([], { runId, status: "FAILED", error: message, failedStepId: null, finishedAt: new Date(), durationMs: 0 });
  }

  return { execute, fail, writer };
}

let defaultExecutor: RunExecutor | undefined;

/** Executes a run with the process-wide executor (env-configured HTTP, pool and history writer). */
export function executeRun(runId: string, opts?: { signal?: AbortSignal }): Promise<ExecuteRunResult> {
  defaultExecutor ??= createRunExecutor();
  return defaultExecutor.execute(runId, opts);
}
