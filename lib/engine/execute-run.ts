// Executes one Run in the worker: loads it with the pipeline version it was received for
// (lib/runs/load-run.ts), plans where it resumes (resume-plan.ts), runs the steps through
// run-steps.ts and records every step (step-rows.ts) through the batched history writer.
//
// Durability points. Step rows of steps without side effects (the action's `sideEffects: "none"`:
// composer, parser, flow steps) are held in memory and committed
// with the next write; a step that talks to the outside world (HTTP) is committed before the chain
// goes on to the next such step, so a worker killed later resumes AFTER it and a completed POST is
// not sent again (the Idempotency-Key runId:stepId covers the one step that may be in flight when a
// worker dies). When only steps without effects follow it, its row commits with the run's final
// status: the window in which a kill repeats it is then the same single round trip as a commit of
// its own would be, one write fewer per run. The run's final status commits in the same statement
// as its last rows. The start mark (RUNNING, attempts + 1) is made by the load that claims the run
// (lib/runs/load-run.ts), so it is committed before the first step without a write of its own.
//
// Resuming. A re-delivered run (stalled job, BullMQ retry) continues after its last committed
// successful step; a re-run created by the history page (rerunOfId + resumeFromStepId) takes the
// earlier steps' outputs from the original run and copies their rows, so its detail shows the chain.
import type pg from "pg";
import { pool as defaultPool } from "../pool";
import { env } from "../env";
import type { HttpClient, RateSlot, StoreClient } from "../actions/define-action";
import { sourceIn, sourcesOf, sourceScope, type PipelineDefinition, type SourceDefinition, type StepDefinition } from "../definition/schema";
import { getAction } from "../actions/registry";
import { resolveCredentials } from "../credentials/resolve-credentials";
import { storeClientFor } from "../store/store-client";
import { claimDedupKey, dedupKeyOf, markDuplicate } from "../webhooks/dedup";
import { searchTermsOf } from "../runs/search-terms";
import { createHistoryWriter, type HistoryWriter, type StepRow } from "../runs/history-writer";
import { createRunLoader, type LoadedRun } from "../runs/load-run";
import { runSteps, type StepContextParts } from "./run-steps";
import type { StepRecord } from "../actions/step-record";
import { outboundHttpFromEnv } from "../security/outbound-http";
import { isTruncated } from "../definition/truncate";
import { planResume } from "./resume-plan";
import { createStepRowBuilder } from "./step-rows";
import { cachedCredentials } from "./credential-cache";

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
  rateLimiter?: (scope: string, host: string, perSecond: number, signal: AbortSignal) => Promise<RateSlot | void>;
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

/**
 * Search terms of the succeeded, complete outputs of data steps (of an HTTP request: the answer's
 * body) that the request does not carry already (request + outputs stay under MAX_SEARCH_TERMS);
 * written once, with the final status.
 */
function outputTermsOf(requestTerms: string[], records: readonly StepRecord[]): string[] | undefined {
  const known = new Set(requestTerms);
  const out: string[] = [];
  for (const r of records) {
    if (r.status !== "succeeded" || isTruncated(r.output)) continue;
    const action = getAction(r.type);
    if (action?.flow) continue;
    for (const t of searchTermsOf(action?.searchable ? action.searchable(r.output) : r.output)) {
      if (known.size >= MAX_SEARCH_TERMS) return out;
      if (!known.has(t)) {
        known.add(t);
        out.push(t);
      }
    }
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Duplicate incoming events are checked before the first step (lib/webhooks/dedup.ts). Re-runs
 * asked for in the history are executed whatever their key; a run that already ran steps (woken
 * from «Задержка», re-delivered after a crash) is past the check. Each source has its own settings
 * (docs/sources.md): keys of the second and later sources carry the source id, so keys of different
 * sources never match. Returns the original's id.
 */
function duplicateOf(pool: pg.Pool, run: LoadedRun, sources: readonly SourceDefinition[], source: SourceDefinition): Promise<string | null> | null {
  const dedup = source.dedup;
  // No check to make (the common case): null at once, no promise.
  if (!dedup?.enabled || run.rerunOfId || run.status === "WAITING" || (run.done && run.done.length > 0)) return null;
  const hashed = dedupKeyOf(dedup, run);
  if (!hashed) return null;
  const key = sources.length > 1 && source.id !== sources[0].id ? `${source.id}:${hashed}` : hashed;
  return claimOrMark(pool, run, key, dedup.windowMinutes);
}

async function claimOrMark(pool: pg.Pool, run: LoadedRun, key: string, windowMinutes: number): Promise<string | null> {
  const originalId = await claimDedupKey(pool, {
    pipelineId: run.pipelineId,
    key,
    runId: run.id,
    receivedAt: run.receivedAt,
    windowMinutes,
  });
  if (originalId) await markDuplicate(pool, run.id, originalId, new Date());
  return originalId;
}

// A loaded definition belongs to one pipeline and is never mutated: its source list is built once.
const sourceLists = new WeakMap<PipelineDefinition, SourceDefinition[]>();

function sourcesOfCached(definition: PipelineDefinition, pipelineId: string): SourceDefinition[] {
  let list = sourceLists.get(definition);
  if (!list) sourceLists.set(definition, (list = sourcesOf(definition, pipelineId)));
  return list;
}

const effectsAfterCache = new WeakMap<readonly StepDefinition[], boolean[]>();

/**
 * Whether a step after `index` may have an effect outside (an action without `sideEffects: "none"`).
 * A «Задержка» needs nothing here: parking commits the held rows. Computed once per (cached,
 * never-mutated) definition.
 */
function effectsAfter(steps: readonly StepDefinition[], index: number): boolean {
  let after = effectsAfterCache.get(steps);
  if (!after) {
    after = new Array<boolean>(steps.length).fill(false);
    for (let i = steps.length - 2; i >= 0; i--) after[i] = after[i + 1] || getAction(steps[i + 1].type)?.sideEffects !== "none";
    effectsAfterCache.set(steps, after);
  }
  return after[index] ?? false;
}

/** Why a loaded run is not executed now, or null when it is. */
function notRunnable(run: LoadedRun): ExecuteRunResult | null {
  if (run.status === "QUEUED" || run.status === "RUNNING" || run.status === "WAITING") return null;
  const finished = run.status === "SUCCEEDED" || run.status === "FAILED" || run.status === "FILTERED";
  return { runId: run.id, status: "SKIPPED", reason: finished ? "already_finished" : "not_runnable" };
}

export function createRunExecutor(options: RunExecutorOptions = {}): RunExecutor {
  const getPool = options.pool ?? defaultPool;
  const writer = options.writer ?? createHistoryWriter({ pool: getPool });
  const load = createRunLoader(getPool);
  const stepMaxBytes = options.stepMaxBytes ?? env().STEP_HISTORY_MAX_BYTES;
  const runMaxBytes = options.runMaxBytes ?? env().RUN_HISTORY_MAX_BYTES;
  const credentialsFor = cachedCredentials(options.credentials ?? resolveCredentials, options.credentialTtlMs ?? 5_000);
  const now = options.now ?? Date.now;
  const limiter = options.rateLimiter;
  let http = options.http;

  async function fail(runId: string, message: string, startedAt?: Date, failedStepId: string | null = null) {
    const durationMs = startedAt ? Date.now() - startedAt.getTime() : 0;
    await writer.commit([], { runId, status: "FAILED", error: message, failedStepId, finishedAt: new Date(), durationMs });
    return { runId, status: "FAILED" as const, error: message, failedStepId, executedSteps: 0 };
  }

  async function execute(runId: string, opts: { signal?: AbortSignal } = {}): Promise<ExecuteRunResult> {
    const run = await load.run(runId);
    if (!run) return { runId, status: "SKIPPED", reason: "not_found" };
    const skip = notRunnable(run);
    if (skip) return skip;
    if (run.status === "WAITING" && run.waitUntilMs !== null) {
      const until = new Date(run.waitUntilMs);
      // Woken early (a re-delivered job): park again, nothing runs twice.
      if (until.getTime() > now()) return { runId, status: "WAITING", waitUntil: until, executedSteps: 0 };
      // Stopping the обработка holds its waiting runs; starting it again releases them.
      if (!(await load.pipelineRunning(run.pipelineId))) return { runId, status: "HELD", waitUntil: until };
    }
    const t0 = performance.now();
    // Committed before any step can have an effect outside: a crash after this point is counted.
    // A QUEUED or RUNNING run was marked by its load (the claim); a woken WAITING run is marked now.
    const startedAt = run.claimed ? run.startedAt : new Date();
    if (!run.claimed) await writer.start(runId, startedAt);

    // A cached version and a source without duplicate checks come back without a promise: no
    // await (a promise, its reaction, a microtask turn) for what is already known.
    const known = load.definition(run.pipelineId, run.version);
    const definition = known instanceof Promise ? await known : known;
    if (!definition) return fail(runId, `Версия ${run.version} обработки не найдена или повреждена`, startedAt);
    const sources = sourcesOfCached(definition, run.pipelineId);
    const source = sourceIn(sources, run.sourceId, run.pipelineId);
    const claim = duplicateOf(getPool(), run, sources, source);
    const duplicateOfId = claim && (await claim);
    if (duplicateOfId) return { runId, status: "DUPLICATE", duplicateOfId };
    const plan = planResume(run, definition.steps);
    if (!plan.ok) return fail(runId, plan.error, startedAt, plan.failedStepId);

    const rows = createStepRowBuilder(runId, runMaxBytes);
    const pending: StepRow[] = plan.copy.map((d) => rows.copied(d));
    rows.countDone(run.done ?? []);
    const client = (http ??= outboundHttpFromEnv());
    const rateLimit = limiter && ((host: string, n: number, signal: AbortSignal) => limiter(run.userId, host, n, signal));
    // One set of parts for every step of the run; the «Хранилище» client only for a step that uses it.
    let store: StoreClient | undefined;
    const parts: StepContextParts = {
      http: client,
      get store() {
        return (store ??= storeClientFor(run.userId));
      },
      log: options.log,
      rateLimit,
      now,
    };
    const result = await runSteps({
      runId,
      steps: definition.steps,
      edges: definition.edges,
      source: sourceScope(run.payload, source.name, sources.length),
      previousOutputs: plan.previousOutputs,
      startIndex: plan.startIndex,
      missingEarlier: plan.missingEarlier,
      signal: opts.signal,
      now,
      maxRecordBytes: stepMaxBytes,
      credentials: async (name) => (await credentialsFor(run.userId, [name]))[name],
      context: () => parts,
      // Returns a promise only when the step is committed now (runSteps awaits nothing otherwise).
      onStepEnd: (record, json) => {
        pending.push(rows.fromRecord(record, json));
        // A step with effects outside is committed before the chain goes on to another such step
        // (see the header); when only steps without effects follow, it commits with the run's end.
        if (record.status === "succeeded" && getAction(record.type)?.sideEffects !== "none" && effectsAfter(definition.steps, record.index)) {
          return writer.commit(pending.splice(0));
        }
      },
    });

    if (result.status === "waiting") {
      await writer.park(pending, runId, result.waitUntil!);
      return { runId, status: "WAITING", waitUntil: result.waitUntil!, executedSteps: result.records.length };
    }
    for (const sk of result.skipped) if (!plan.mine.has(sk.stepId)) pending.push(rows.skipped(sk));
    const error = result.error?.message ?? null;
    const failedStepId = result.error?.stepId ?? null;
    const status = result.status === "succeeded" ? "SUCCEEDED" : result.status === "filtered" ? "FILTERED" : "FAILED";
    const outputTerms = outputTermsOf(run.searchTerms, result.records);
    const done: ExecuteRunResult = { runId, status, error, failedStepId, executedSteps: result.records.length };
    // Returned, not awaited: this frame (the run, its records and outputs) is released while the
    // commit waits for its batch — with hundreds of runs waiting, that is what a collection copies.
    return resolvesTo(
      writer.commit(pending, { runId, status, error, failedStepId, finishedAt: new Date(), durationMs: performance.now() - t0, outputTerms }),
      done,
    );
  }

  return { execute, fail: async (runId, message) => void (await fail(runId, message)), writer };
}

/** `value` once `p` resolves; a closure of its own, so it keeps nothing else of the caller alive. */
function resolvesTo<T>(p: Promise<void>, value: T): Promise<T> {
  return p.then(() => value);
}

let defaultExecutor: RunExecutor | undefined;

/** Executes a run with the process-wide executor (env-configured HTTP, pool and history writer). */
export function executeRun(runId: string, opts?: { signal?: AbortSignal }): Promise<ExecuteRunResult> {
  defaultExecutor ??= createRunExecutor();
  return defaultExecutor.execute(runId, opts);
}
