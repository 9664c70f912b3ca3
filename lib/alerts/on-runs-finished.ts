// Called by the worker after runs reach their final status (rows committed). The alerts part
// (failure e-mails, digests, «восстановлено») hangs off this one entry point.
import { prisma } from "../db";
import { enqueueNotifications, scheduleDigest, type DeliveryOptions } from "./alert-jobs";
import { recordOutcomes, type Outcome } from "./throttle";

const PIPELINES_AT_ONCE = 4;

export type FinishedRun = { id: string; pipelineId: string; userId: string; status: "SUCCEEDED" | "FAILED" };

export type AlertOptions = {
  /** Throttle window instead of the pipeline's alertThrottleMinutes (tests). */
  windowMs?: number;
  delivery?: DeliveryOptions;
  now?: () => Date;
};

/**
 * Never throws: alerting must not fail or retry the runs it reports on. What could not be recorded
 * is logged; what was recorded but not enqueued (Redis down) is picked up by the alerts sweeper.
 */
export async function onRunsFinished(runs: FinishedRun[], opts: AlertOptions = {}): Promise<void> {
  if (runs.length === 0) return;
  let details: Map<string, { error: string | null; at: number }>;
  try {
    // Runs of one batch are applied in the order they finished, so «fail, then succeed» in one
    // batch ends as recovered and not the other way round.
    const rows = await prisma.run.findMany({
      where: { id: { in: runs.map((r) => r.id) } },
      select: { id: true, error: true, finishedAt: true, receivedAt: true },
    });
    details = new Map(rows.map((r) => [r.id, { error: r.error, at: (r.finishedAt ?? r.receivedAt).getTime() }]));
  } catch (err) {
    console.error("[alerts] could not read finished runs:", (err as Error).message);
    return;
  }

  const byPipeline = new Map<string, (Outcome & { at: number; index: number })[]>();
  runs.forEach((r, index) => {
    const d = details.get(r.id);
    if (!d) return;
    const list = byPipeline.get(r.pipelineId) ?? [];
    list.push({ id: r.id, status: r.status, error: d.error, at: d.at, index });
    byPipeline.set(r.pipelineId, list);
  });

  // A few pipelines at a time: each holds a pooled connection for its transaction.
  const work = [...byPipeline];
  const next = async (): Promise<void> => {
    for (let item = work.shift(); item; item = work.shift()) await applyPipeline(item[0], item[1]);
  };
  const applyPipeline = async (pipelineId: string, list: (Outcome & { at: number; index: number })[]) => {
    list.sort((a, b) => a.at - b.at || a.index - b.index);
    const now = opts.now?.() ?? new Date();
    try {
      const { created, digestAt } = await recordOutcomes(pipelineId, list, { now, windowMs: opts.windowMs });
      await enqueueNotifications(created.map((n) => n.id), opts.delivery).catch((err) =>
        console.error("[alerts] enqueue failed, the sweeper will retry:", (err as Error).message),
      );
      if (digestAt) {
        await scheduleDigest(pipelineId, digestAt, now).catch((err) =>
          console.error("[alerts] digest scheduling failed, the sweeper will flush it:", (err as Error).message),
        );
      }
    } catch (err) {
      console.error(`[alerts] pipeline ${pipelineId}: alert state not updated:`, (err as Error).message);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PIPELINES_AT_ONCE, work.length) }, next));
}
