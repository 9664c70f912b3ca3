// The last received requests of a pipeline, for picking one in «Получить».
import { prisma } from "../db";
import { runsOfSource } from "../pipelines/fetch-source-fields";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUMMARY_LENGTH = 120;

export type RecentRequest = {
  id: string;
  receivedAt: Date;
  method: string;
  status: string;
  contentType: string | null;
  sizeBytes: number;
  /** "client_name=Иван, client_phone=+7999…" — the first fields, cut to 120 characters. */
  summary: string;
};

export function summarizePayload(payload: unknown, max = SUMMARY_LENGTH): string {
  let text: string;
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload)) {
    const parts: string[] = [];
    let length = 0;
    for (const [k, v] of Object.entries(payload)) {
      const value = typeof v === "string" ? v : JSON.stringify(v);
      const part = `${k}=${value}`;
      parts.push(part);
      length += part.length + 2;
      if (length > max) break;
    }
    text = parts.join(", ");
  } else text = JSON.stringify(payload) ?? "";
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/**
 * The newest `limit` (default 20, at most 100) requests of a pipeline, newest first. Rejected
 * requests are left out unless asked for: they have no fields to load. Null when the pipeline is
 * not this user's.
 */
export async function listRecentRequests(input: {
  userId: string;
  pipelineId: string;
  limit?: number;
  includeRejected?: boolean;
  /** Only this source's requests (docs/sources.md). */
  sourceId?: string;
}): Promise<RecentRequest[] | null> {
  const { userId, pipelineId } = input;
  if (!UUID.test(pipelineId) || (input.sourceId !== undefined && !UUID.test(input.sourceId))) return null;
  const pipeline = await prisma.pipeline.findFirst({ where: { id: pipelineId, userId }, select: { id: true } });
  if (!pipeline) return null;
  const bySource = input.sourceId ? runsOfSource(input.sourceId, pipelineId) : {};
  const rows = await prisma.run.findMany({
    where: { pipelineId, userId, ...(input.includeRejected ? {} : { status: { not: "REJECTED" } }), ...bySource },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(input.limit ?? 20, 1), 100),
    select: { id: true, receivedAt: true, method: true, status: true, contentType: true, sizeBytes: true, payload: true },
  });
  return rows.map(({ payload, ...r }) => ({ ...r, summary: summarizePayload(payload) }));
}
