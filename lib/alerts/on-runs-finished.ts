// Called by the worker after runs reach their final status (rows committed). The alerts part
// (failure e-mails, digests, «восстановлено») hangs off this one entry point.
import { pool } from "../pool";
import { enqueueNotifications, scheduleDigest, type DeliveryOptions } from "./alert-jobs";
import type { Outcome } from "./throttle";

// The alert state is kept through Prisma; a worker loads it (and Prisma's runtime) only when a
// run's outcome changes an обработка's alert state, not for every batch of successful runs.
const alertState = () => import("./throttle");

export type FinishedRun = { id: string; pipelineId: string; userId: string; status: "SUCCEEDED" | "FAILED" };

export type AlertOptions = {
  /** Throttle window instead of the pipeline's alertThrottleMinutes (tests). */
  windowMs?: number;
  delivery?: DeliveryOptions;
  now?: () => Date;
};

// The worker calls this fire-and-forget after every history batch, so calls overlap. Alert
// transactions per process are capped so that they never take more than a few connections from
// the pool the history writer needs.
const MAX_ALERT_TX = 4;
let active = 0;
const waiting: (() => void)[] = [];
async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= MAX_ALERT_TX) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

type Item = Outcome & { at: number; index: number };

/**
 * Never throws: alerting must not fail or retry the runs it reports on. What could not be recorded
 * is logged; what was recorded but not enqueued (Redis down) is picked up by the alerts sweeper.
 */
export async function onRunsFinished(runs: FinishedRun[], opts: AlertOptions = {}): Promise<void> {
  if (runs.length === 0) return;
  const byPipeline = new Map<string, FinishedRun[]>();
  for (const r of runs) {
    const list = byPipeline.get(r.pipelineId);
    if (list) list.push(r);
    else byPipeline.set(r.pipelineId, [r]);
  }

  let work: [string, Item[]][];
  try {
    // The common case — successes of a healthy pipeline — costs one cheap query and no lock. A
    // failure racing with it is not lost: the next success of that pipeline sends the recovery.
    const successOnly = [...byPipeline].filter(([, list]) => list.every((r) => r.status === "SUCCEEDED")).map(([id]) => id);
    // Raw SQL on a measured hot path (DESIGN.md §1): it runs after every history batch, and
    // Prisma's query compilation cost ~3% of the worker's CPU in the end-to-end bench.
    const failing = successOnly.length
      ? new Set(
          (
            await pool().query<{ pipelineId: string }>(`SELECT "pipelineId" FROM "AlertState" WHERE "pipelineId" = ANY($1::uuid[]) AND failing`, [successOnly])
          ).rows.map((s) => s.pipelineId),
        )
      : new Set<string>();
    const healthy = new Set(successOnly.filter((id) => !failing.has(id)));
    const relevant = [...byPipeline].filter(([id]) => !healthy.has(id));
    if (relevant.length === 0) return;

    // Runs of one batch are applied in the order they finished, so «fail, then succeed» in one
    // batch ends as recovered and not the other way round.
    // (Plain SQL like the rest of the worker's paths: no Prisma query compiler in the worker.)
    const { rows } = await pool().query<{ id: string; error: string | null; at: number }>(
      `SELECT id, error, (extract(epoch FROM COALESCE("finishedAt", "receivedAt")) * 1000)::float8 AS at FROM "Run" WHERE id = ANY($1::uuid[])`,
      [relevant.flatMap(([, list]) => list.map((r) => r.id))],
    );
    const details = new Map(rows.map((r) => [r.id, { error: r.error, at: r.at }]));
    work = relevant.map(([id, list]) => [
      id,
      list
        .flatMap((r, index) => {
          const d = details.get(r.id);
          return d ? [{ id: r.id, status: r.status, error: d.error, at: d.at, index }] : [];
        })
        .sort((a, b) => a.at - b.at || a.index - b.index),
    ]);
  } catch (err) {
    console.error("[alerts] could not read finished runs:", (err as Error).message);
    return;
  }

  await Promise.all(
    work.map(([pipelineId, list]) =>
      withSlot(async () => {
        const now = opts.now?.() ?? new Date();
        try {
          const { recordOutcomes } = await alertState();
          const { created, digestAt } = await recordOutcomes(pipelineId, list, { now, windowMs: opts.windowMs });
          await enqueueNotifications(
            created.map((n) => n.id),
            opts.delivery,
          ).catch((err) => console.error("[alerts] enqueue failed, the sweeper will retry:", (err as Error).message));
          if (digestAt) {
            await scheduleDigest(pipelineId, digestAt, now).catch((err) =>
              console.error("[alerts] digest scheduling failed, the sweeper will flush it:", (err as Error).message),
            );
          }
        } catch (err) {
          console.error(`[alerts] pipeline ${pipelineId}: alert state not updated:`, (err as Error).message);
        }
      }),
    ),
  );
}
