// The pipelines a user can filter the history by (names only; the list page's select).
import { prisma } from "../db";

export async function listPipelineOptions(userId: string) {
  return prisma.pipeline.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true, retentionDays: true, storeSuccessPayloads: true },
  });
}

/** The sources of one of the user's pipelines, removed ones last (their runs stay in the history). */
export async function listSourceOptions(userId: string, pipelineId: string) {
  const rows = await prisma.source.findMany({
    where: { userId, pipelineId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true, type: true, removedAt: true },
  });
  return rows.map((s) => ({ id: s.id, name: s.name, type: s.type, removed: s.removedAt !== null })).sort((a, b) => Number(a.removed) - Number(b.removed));
}
