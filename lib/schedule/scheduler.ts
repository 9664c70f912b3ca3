// The BullMQ job schedulers of «По расписанию» sources (docs/schedule.md). A RUNNING обработка
// has exactly one scheduler per schedule source (id "source:<source id>"); everything else has
// none. reconcileSchedules makes Redis match Postgres: called after a save, a status change or a
// deletion (web process), at worker start and periodically in every worker (safety net).
import { pool } from "../pool";
import { env } from "../env";
import { queue } from "../queue/run-queue";
import { sourcesOf, type PipelineDefinition, type ScheduleConfig } from "../definition/schema";
import { repeatOptions, scheduleMinuteMs, scheduleProblems, type RepeatSpec } from "../definition/schedule";

export const SCHEDULE_QUEUE = "schedule";

/** What every firing job carries (the scheduler's template data). */
export type FiringJob = { pipelineId: string; sourceId: string; /** the repeat options as JSON: unchanged = nothing to do */ spec: string };

/** A firing is retried if it fails (database down); the Run it makes is idempotent, see fire.ts. */
export const firingJobOptions = {
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
  attempts: 10,
  backoff: { type: "exponential", delay: 2_000 },
} as const;

export const schedulerIdOf = (sourceId: string) => `source:${sourceId}`;

type Desired = { id: string; data: FiringJob; repeat: RepeatSpec };

/** The schedulers Postgres asks for: RUNNING pipelines' schedule sources with a valid schedule. */
async function desiredSchedulers(pipelineId?: string): Promise<Desired[]> {
  const minuteMs = scheduleMinuteMs(env());
  // The Source table knows each source's type (written on save), so only pipelines that have a
  // schedule source are read.
  // Plain SQL: every worker runs this at start and every minute, and needs no Prisma otherwise.
  const { rows: pipelines } = await pool().query<{ id: string; definition: unknown }>(
    `SELECT p.id, p.definition FROM "Pipeline" p
      WHERE p.status = 'RUNNING' AND ($1::uuid IS NULL OR p.id = $1::uuid)
        AND EXISTS (SELECT 1 FROM "Source" s WHERE s."pipelineId" = p.id AND s.type = 'schedule' AND s."removedAt" IS NULL)`,
    [pipelineId ?? null],
  );
  const out: Desired[] = [];
  for (const p of pipelines) {
    for (const s of sourcesOf((p.definition ?? {}) as PipelineDefinition, p.id)) {
      if (s.type !== "schedule" || scheduleProblems(s.schedule).length > 0) continue;
      const repeat = repeatOptions(s.schedule as ScheduleConfig, minuteMs);
      out.push({ id: schedulerIdOf(s.id), data: { pipelineId: p.id, sourceId: s.id, spec: JSON.stringify(repeat) }, repeat });
    }
  }
  return out;
}

export type ReconcileResult = { added: number; updated: number; removed: number; kept: number };

/**
 * Makes the schedulers match the pipelines: all of them, or those of one pipeline. An unchanged
 * scheduler is left alone (re-upserting a cron scheduler at the moment it is due could drop that
 * firing). Throws when Redis or Postgres is down: callers log it; the worker's periodic pass
 * repairs whatever a failed call left.
 */
export async function reconcileSchedules(opts: { pipelineId?: string } = {}): Promise<ReconcileResult> {
  const q = queue(SCHEDULE_QUEUE);
  // Redis first, then Postgres: a scheduler another process creates in between is then seen as
  // missing (upserted again, harmless), never as unwanted (removed although its pipeline runs).
  const existing = (await q.getJobSchedulers(0, -1)).filter(
    (j) => !opts.pipelineId || (j.template?.data as FiringJob | undefined)?.pipelineId === opts.pipelineId,
  );
  const desired = await desiredSchedulers(opts.pipelineId);
  const byId = new Map(existing.map((j) => [j.key, j]));
  const result: ReconcileResult = { added: 0, updated: 0, removed: 0, kept: 0 };
  for (const d of desired) {
    const have = byId.get(d.id);
    byId.delete(d.id);
    const haveData = have?.template?.data as FiringJob | undefined;
    if (have && haveData?.spec === d.data.spec && haveData.pipelineId === d.data.pipelineId) {
      result.kept++;
      continue;
    }
    // An interval's first firing comes one interval after the start, not at once.
    const repeat = "every" in d.repeat ? { every: d.repeat.every, startDate: Date.now() + d.repeat.every } : d.repeat;
    await q.upsertJobScheduler(d.id, repeat, { name: "fire", data: d.data, opts: firingJobOptions });
    if (have) result.updated++;
    else result.added++;
  }
  // Left over: stopped or deleted pipelines, removed sources, sources no longer "schedule".
  for (const id of byId.keys()) {
    if (!id.startsWith("source:")) continue;
    await q.removeJobScheduler(id);
    result.removed++;
  }
  return result;
}

/** True when a (raw, stored) definition has a «По расписанию» source: only then is Redis asked. */
export function hasScheduleSource(def: unknown): boolean {
  const sources = (def as { sources?: unknown } | null)?.sources;
  return Array.isArray(sources) && sources.some((s) => (s as { type?: unknown } | null)?.type === "schedule");
}

/** For the data functions that change pipelines: reconcile that pipeline, never fail the caller. */
export async function reconcilePipelineSchedules(pipelineId: string): Promise<void> {
  try {
    await reconcileSchedules({ pipelineId });
  } catch (err) {
    console.error(`[schedule] could not update the schedule of ${pipelineId} (the worker retries within a minute):`, err instanceof Error ? err.message : err);
  }
}
