// One run with everything the detail page shows: the received request, its steps in order, the
// version that ran, and the runs it is linked to (the original it re-runs, the re-runs of it).
import { prisma } from "../db";
import { type RunStatus } from "./run-filter";
import { isUuid } from "../uuid";
import type { ErrorDetail } from "../actions/define-action";

export type RunStepView = {
  stepId: string;
  position: number;
  actionType: string;
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "SKIPPED";
  input: unknown;
  output: unknown;
  error: string | null;
  /** The failure in structured form (null for steps recorded before it existed). */
  errorDetail: ErrorDetail | null;
  /** The user's credentials this step uses that still exist (for «Открыть ключ доступа»). */
  credentials: { id: string; name: string }[];
  attempts: number;
  truncated: boolean;
  startedAt: string;
  durationMs: number;
};

export type RunLink = { id: string; status: RunStatus; receivedAt: string; resumeFromStepId: string | null };

export type RunDetail = {
  id: string;
  pipeline: { id: string; name: string; currentVersion: number };
  /** The source that delivered the event (docs/sources.md); removed = no longer in the обработка. */
  source: { id: string; name: string; type: string; removed: boolean; several: boolean } | null;
  version: number;
  status: RunStatus;
  request: {
    method: string;
    query: unknown;
    headers: unknown;
    body: unknown;
    rawBody: string | null;
    contentType: string | null;
    sizeBytes: number;
  };
  payload: unknown;
  payloadPruned: boolean;
  rejectReason: string | null;
  attempts: number;
  error: string | null;
  failedStepId: string | null;
  receivedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** WAITING runs: when their «Задержка» ends. */
  waitUntil: string | null;
  resumeFromStepId: string | null;
  rerunOf: RunLink | null;
  reruns: RunLink[];
  /** A DUPLICATE: the run that first carried the same deduplication key (null if since deleted). */
  duplicateOf: RunLink | null;
  steps: RunStepView[];
};

const link = (r: { id: string; status: RunStatus; receivedAt: Date; resumeFromStepId: string | null }): RunLink => ({
  id: r.id,
  status: r.status,
  receivedAt: r.receivedAt.toISOString(),
  resumeFromStepId: r.resumeFromStepId,
});

const LINK_SELECT = { id: true, status: true, receivedAt: true, resumeFromStepId: true } as const;

/** Another user's run is indistinguishable from a missing one (null → 404). */
export async function getRun(userId: string, runId: string): Promise<RunDetail | null> {
  if (!isUuid(runId)) return null;
  const r = await prisma.run.findFirst({
    where: { id: runId, userId },
    include: {
      pipeline: { select: { id: true, name: true, version: true } },
      steps: { orderBy: { position: "asc" } },
      rerunOf: { select: LINK_SELECT },
    },
  });
  if (!r) return null;
  const reruns = await prisma.run.findMany({
    where: { rerunOfId: r.id, userId },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: 50,
    select: LINK_SELECT,
  });
  // Credential names the failed steps' details mention → this user's credential ids.
  const names = [...new Set(r.steps.flatMap((s) => detailOf(s.errorDetail)?.credentials ?? []))];
  const creds = names.length ? await prisma.credential.findMany({ where: { userId, name: { in: names } }, select: { id: true, name: true } }) : [];
  const sourceId = r.sourceId ?? r.pipelineId;
  const [source, sourceCount] = await Promise.all([
    prisma.source.findFirst({ where: { id: sourceId, pipelineId: r.pipelineId }, select: { id: true, name: true, type: true, removedAt: true } }),
    prisma.source.count({ where: { pipelineId: r.pipelineId, removedAt: null } }),
  ]);
  const duplicateOf = r.duplicateOfId ? await prisma.run.findFirst({ where: { id: r.duplicateOfId, userId }, select: LINK_SELECT }) : null;
  return {
    id: r.id,
    pipeline: { id: r.pipeline.id, name: r.pipeline.name, currentVersion: r.pipeline.version },
    source: source ? { id: source.id, name: source.name, type: source.type, removed: source.removedAt !== null, several: sourceCount > 1 } : null,
    version: r.version,
    status: r.status,
    request: {
      method: r.method,
      query: r.query,
      headers: r.headers,
      body: r.body,
      rawBody: r.rawBody,
      contentType: r.contentType,
      sizeBytes: r.sizeBytes,
    },
    payload: r.payload,
    payloadPruned: r.payloadPruned,
    rejectReason: r.rejectReason,
    attempts: r.attempts,
    error: r.error,
    failedStepId: r.failedStepId,
    receivedAt: r.receivedAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
    waitUntil: r.waitUntil?.toISOString() ?? null,
    resumeFromStepId: r.resumeFromStepId,
    rerunOf: r.rerunOf ? link(r.rerunOf) : null,
    reruns: reruns.map(link),
    duplicateOf: duplicateOf ? link(duplicateOf) : null,
    steps: r.steps.map((s) => ({
      stepId: s.stepId,
      position: s.position,
      actionType: s.actionType,
      name: s.name,
      status: s.status,
      input: s.input,
      output: s.output,
      error: s.error,
      errorDetail: detailOf(s.errorDetail),
      credentials: (detailOf(s.errorDetail)?.credentials ?? []).flatMap((n) => creds.filter((c) => c.name === n)),
      attempts: s.attempts,
      truncated: s.truncated,
      startedAt: s.startedAt.toISOString(),
      durationMs: s.durationMs,
    })),
  };
}

function detailOf(v: unknown): ErrorDetail | null {
  return v && typeof v === "object" && typeof (v as { kind?: unknown }).kind === "string" ? (v as ErrorDetail) : null;
}
