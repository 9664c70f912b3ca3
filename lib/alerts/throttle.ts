// The per-pipeline throttle. Every change to AlertState happens in a transaction holding that
// pipeline's row lock (SELECT … FOR UPDATE), so worker processes finishing runs of the same
// pipeline at the same moment see each other's updates: exactly one of them mails the first
// failure, the rest are gathered into the digest.
//
// States: idle (no window) → a failure is mailed at once and opens a window of
// alertThrottleMinutes; failures inside the window are counted into pending*; at the window end
// a digest is mailed (and a new window opens, so a pipeline that keeps failing gets one e-mail per
// window); a success while failing sends one «восстановлено», which also carries the failures
// still pending (one e-mail instead of a digest followed at once by a recovery notice).
import { prisma, type Prisma } from "../db";
import { MAX_RUN_IDS } from "./build-email";
import { alertSubject, emailLocale } from "./email-strings";
import { alertRecipientsFor } from "./recipients";

type Tx = Prisma.TransactionClient;

export type Outcome = { id: string; status: "SUCCEEDED" | "FAILED"; error: string | null };

export type NewNotification = { id: string };

const MAX_PENDING_ERRORS = 10;

type PipelineForAlerts = {
  id: string;
  userId: string;
  name: string;
  alertsEnabled: boolean;
  alertRecipients: string[];
  alertThrottleMinutes: number;
  user: { email: string; locale: string };
};

async function loadPipeline(tx: Tx, pipelineId: string): Promise<PipelineForAlerts | null> {
  return tx.pipeline.findUnique({
    where: { id: pipelineId },
    select: {
      id: true,
      userId: true,
      name: true,
      alertsEnabled: true,
      alertRecipients: true,
      alertThrottleMinutes: true,
      user: { select: { email: true, locale: true } },
    },
  });
}

async function lockState(tx: Tx, pipelineId: string) {
  await tx.$executeRaw`INSERT INTO "AlertState" ("pipelineId", "updatedAt") VALUES (${pipelineId}::uuid, now()) ON CONFLICT ("pipelineId") DO NOTHING`;
  await tx.$queryRaw`SELECT 1 FROM "AlertState" WHERE "pipelineId" = ${pipelineId}::uuid FOR UPDATE`;
  // Read through Prisma (not raw) so timestamps come back as the UTC instants Prisma wrote.
  return tx.alertState.findUniqueOrThrow({ where: { pipelineId } });
}

async function createNotification(
  tx: Tx,
  p: PipelineForAlerts,
  kind: "FAILURE" | "DIGEST" | "RECOVERED",
  runIds: string[],
  count: number,
): Promise<NewNotification> {
  const locale = emailLocale(p.user.locale);
  return tx.notification.create({
    data: {
      userId: p.userId,
      pipelineId: p.id,
      kind,
      to: alertRecipientsFor(p.user.email, p.alertRecipients),
      subject: alertSubject(kind, locale, p.name, count),
      runIds,
    },
    select: { id: true },
  });
}

export type ThrottleResult = { created: NewNotification[]; digestAt: Date | null };

/**
 * Applies finished runs of one pipeline to its throttle state. `windowMs` overrides the pipeline's
 * alertThrottleMinutes (tests use a window of a second or two).
 */
export async function recordOutcomes(pipelineId: string, outcomes: Outcome[], opts: { now: Date; windowMs?: number }): Promise<ThrottleResult> {
  return prisma.$transaction(async (tx) => {
    const p = await loadPipeline(tx, pipelineId);
    if (!p) return { created: [], digestAt: null };
    const state = await lockState(tx, pipelineId);
    const now = opts.now;
    const windowMs = opts.windowMs ?? p.alertThrottleMinutes * 60_000;

    if (!p.alertsEnabled) {
      // Nothing is owed while alerts are off: turning them on later starts from a clean state.
      if (state.failing || state.pendingCount > 0 || state.windowStart) {
        await tx.alertState.update({
          where: { pipelineId },
          data: { failing: false, windowStart: null, pendingCount: 0, pendingRunIds: [], pendingErrors: [] },
        });
      }
      return { created: [], digestAt: null };
    }

    // At-least-once execution may report a run twice; a run already mailed or pending is skipped.
    const ids = outcomes.map((o) => o.id);
    const already = new Set(state.pendingRunIds);
    const mailed = await tx.notification.findMany({
      where: { pipelineId, createdAt: { gt: new Date(now.getTime() - 2 * windowMs - 3_600_000) }, runIds: { hasSome: ids } },
      select: { runIds: true },
    });
    for (const n of mailed) for (const id of n.runIds) already.add(id);

    let { failing, windowStart, lastSentAt, pendingCount } = state;
    let pendingRunIds = [...state.pendingRunIds];
    let pendingErrors = [...state.pendingErrors];
    const created: NewNotification[] = [];
    let digestAt: Date | null = null;
    const resetPending = () => {
      pendingCount = 0;
      pendingRunIds = [];
      pendingErrors = [];
    };

    for (const o of outcomes) {
      if (already.has(o.id)) continue;
      already.add(o.id);
      const windowOpen = windowStart !== null && now.getTime() - windowStart.getTime() < windowMs;
      if (o.status === "FAILED") {
        if (!windowOpen) {
          // The digest job of an ended window has not run yet (worker down): its failures go first.
          if (pendingCount > 0) created.push(await createNotification(tx, p, "DIGEST", pendingRunIds, pendingCount));
          resetPending();
          created.push(await createNotification(tx, p, "FAILURE", [o.id], 1));
          windowStart = now;
          lastSentAt = now;
        } else {
          pendingCount += 1;
          if (pendingRunIds.length < MAX_RUN_IDS) pendingRunIds.push(o.id);
          const err = (o.error ?? "").slice(0, 500);
          if (!pendingErrors.includes(err) && pendingErrors.length < MAX_PENDING_ERRORS) pendingErrors.push(err);
          if (pendingCount === 1) digestAt = new Date(windowStart!.getTime() + windowMs);
        }
        failing = true;
      } else if (failing) {
        created.push(await createNotification(tx, p, "RECOVERED", [o.id, ...pendingRunIds], pendingCount));
        resetPending();
        failing = false;
        lastSentAt = now;
        // windowStart stays: a pipeline that flaps inside the window is gathered, not mailed each time.
      }
    }

    await tx.alertState.update({
      where: { pipelineId },
      data: { failing, windowStart, lastSentAt, pendingCount, pendingRunIds, pendingErrors },
    });
    return { created, digestAt: pendingCount > 0 ? digestAt : null };
  });
}

/**
 * Mails the failures gathered in a pipeline's window (the digest job at window end, or the
 * sweeper when that job was lost). The digest opens a new window: failures that keep coming are
 * gathered again rather than mailed one by one.
 */
export async function flushDigest(pipelineId: string, now = new Date()): Promise<NewNotification | null> {
  return prisma.$transaction(async (tx) => {
    const p = await loadPipeline(tx, pipelineId);
    if (!p) return null;
    const state = await lockState(tx, pipelineId);
    if (state.pendingCount === 0) return null;
    const created = p.alertsEnabled ? await createNotification(tx, p, "DIGEST", state.pendingRunIds, state.pendingCount) : null;
    await tx.alertState.update({
      where: { pipelineId },
      data: {
        pendingCount: 0,
        pendingRunIds: [],
        pendingErrors: [],
        ...(created ? { windowStart: now, lastSentAt: now } : {}),
      },
    });
    return created;
  });
}
